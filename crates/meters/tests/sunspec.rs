//! The SunSpec source against a real tokio-modbus TCP server started by each test, serving
//! a register map built from the SunSpec model layouts.

use std::collections::HashMap;
use std::future;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use gridmint_meters::sunspec::{Direction, SunSpecConfig, SunSpecSource};
use gridmint_meters::{MeterSample, MeterSource, SourceError};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio_modbus::server::tcp::Server;
use tokio_modbus::{ExceptionCode, Request, Response, SlaveRequest};

const UNIT: u8 = 3;
type Map = Arc<Mutex<HashMap<u16, u16>>>;

/// A device answering holding-register reads from `map` for unit `UNIT` only.
struct Device(Map);

impl tokio_modbus::server::Service for Device {
    type Request = SlaveRequest<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = future::Ready<Result<Response, ExceptionCode>>;

    fn call(&self, req: SlaveRequest<'static>) -> Self::Future {
        let map = self.0.lock().unwrap();
        future::ready(match req.request {
            _ if req.slave != UNIT => Err(ExceptionCode::GatewayTargetDevice),
            Request::ReadHoldingRegisters(addr, count) => (0..count)
                .map(|i| addr.checked_add(i).and_then(|a| map.get(&a).copied()))
                .collect::<Option<Vec<u16>>>()
                .map(Response::ReadHoldingRegisters)
                .ok_or(ExceptionCode::IllegalDataAddress),
            _ => Err(ExceptionCode::IllegalFunction),
        })
    }
}

/// A running server; `stop` closes the listener and every connection.
struct Running {
    addr: SocketAddr,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

async fn serve(addr: SocketAddr, map: Map) -> Running {
    let listener = TcpListener::bind(addr).await.expect("bind");
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let on_connected = move |stream: TcpStream, _peer: SocketAddr| {
            let device = Device(map.clone());
            async move { Ok(Some((device, stream))) }
        };
        let abort = async move {
            let _ = stopped.await;
        };
        let _ = Server::new(listener).serve_until(&on_connected, |_| {}, abort).await;
    });
    Running { addr, stop, task }
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(());
        self.task.await.expect("server task");
    }
}

/// A SunSpec map at `base`: the marker, each model as (ID, L, body), the end marker.
fn sunspec_map(base: u16, models: &[(u16, Vec<u16>)]) -> Map {
    let mut words = vec![0x5375, 0x6E53];
    for (id, body) in models {
        words.extend([*id, u16::try_from(body.len()).unwrap()]);
        words.extend(body);
    }
    words.extend([0xFFFF, 0]);
    let map = words.into_iter().enumerate().map(|(i, w)| (base + u16::try_from(i).unwrap(), w));
    Arc::new(Mutex::new(map.collect()))
}

fn common() -> (u16, Vec<u16>) {
    (1, vec![0; 66])
}

/// Model 101–103 (L = 50): WH at offsets 24–25, WH_SF at 26; the body starts at offset 2.
fn inverter(id: u16, wh: u32, sf: i16) -> (u16, Vec<u16>) {
    let mut body = vec![0; 50];
    body[22..25].copy_from_slice(&[(wh >> 16) as u16, wh as u16, sf as u16]);
    (id, body)
}

/// Model 201–204 (L = 105): TotWhExp at 38–39, TotWhImp at 46–47, TotWh_SF at 54.
fn meter(id: u16, exported: u32, imported: u32, sf: i16) -> (u16, Vec<u16>) {
    let mut body = vec![0; 105];
    body[36..38].copy_from_slice(&[(exported >> 16) as u16, exported as u16]);
    body[44..46].copy_from_slice(&[(imported >> 16) as u16, imported as u16]);
    body[52] = sf as u16;
    (id, body)
}

fn set(map: &Map, addr: u16, words: &[u16]) {
    let mut map = map.lock().unwrap();
    for (i, w) in words.iter().enumerate() {
        map.insert(addr + u16::try_from(i).unwrap(), *w);
    }
}

fn config(addr: SocketAddr) -> SunSpecConfig {
    SunSpecConfig {
        address: addr.to_string(),
        unit_id: UNIT,
        model: None,
        timeout: Duration::from_secs(2),
        produced: Direction::Exported,
    }
}

fn source(config: SunSpecConfig) -> SunSpecSource {
    SunSpecSource::new(config).expect("valid config")
}

fn sample(produced_wh: u64, consumed_wh: Option<u64>) -> MeterSample {
    MeterSample { produced_wh, consumed_wh }
}

async fn invalid(source: &mut SunSpecSource) -> String {
    match source.read(0).await {
        Err(SourceError::Invalid(m)) => m,
        other => panic!("expected Invalid, got {other:?}"),
    }
}

fn any_port() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

#[tokio::test]
async fn an_inverter_reads_exact_wh_with_positive_and_negative_scale_factors() {
    // Given model 103 after the common model at 40000: WH = 123456, WH_SF = 0
    let map = sunspec_map(40_000, &[common(), inverter(103, 123_456, 0)]);
    let server = serve(any_port(), map.clone()).await;
    let mut s = source(config(server.addr));
    assert_eq!(s.read(0).await.ok(), Some(sample(123_456, None)));
    assert!(s.describe().ends_with(&format!("unit {UNIT}, model 103")), "{}", s.describe());

    // Model 103 starts at 40000 + 2 + (2 + 66) = 40070: WH at 40094, WH_SF at 40096.
    let sf = |sf: i16| [0x0001, 0xE240, sf as u16];
    for (scale, wh) in [(2, 12_345_600), (-1, 12_345), (-3, 123), (-6, 0)] {
        set(&map, 40_094, &sf(scale));
        assert_eq!(s.read(0).await.ok(), Some(sample(wh, None)), "WH_SF {scale}");
    }

    // Not implemented values are invalid, and the source recovers once they are fixed
    set(&map, 40_094, &[0, 0, 0]);
    assert_eq!(invalid(&mut s).await, "WH is 0, SunSpec's 'not implemented' value for acc32");
    set(&map, 40_094, &[0, 7, 0x8000]);
    let e = invalid(&mut s).await;
    assert_eq!(e, "WH scale factor is 0x8000, SunSpec's 'not implemented' value");
    set(&map, 40_094, &[0, 7, 1]);
    assert_eq!(s.read(0).await.ok(), Some(sample(70, None)));
    server.stop().await;
}

#[tokio::test]
async fn a_meter_at_base_0_reads_export_as_production_and_import_as_consumption() {
    // Given a 203 meter behind a nameplate model, in a map at 0 (nothing at 40000)
    let models = [common(), (120, vec![0; 26]), meter(203, 5_000, 7_009, -1)];
    let map = sunspec_map(0, &models);
    let server = serve(any_port(), map.clone()).await;
    let mut s = source(config(server.addr));
    assert_eq!(s.read(0).await.ok(), Some(sample(500, Some(700))));

    // A meter installed the other way round
    let mut swapped = config(server.addr);
    swapped.produced = Direction::Imported;
    assert_eq!(source(swapped).read(0).await.ok(), Some(sample(700, Some(500))));

    // Model 203 starts at 2 + 68 + 28 = 98: TotWhImp at 144, TotWh_SF at 152.
    set(&map, 152, &[2]);
    assert_eq!(s.read(0).await.ok(), Some(sample(500_000, Some(700_900))));
    set(&map, 144, &[0, 0]); // import not implemented: no consumption
    assert_eq!(s.read(0).await.ok(), Some(sample(500_000, None)));
    set(&map, 136, &[0, 0]);
    assert_eq!(invalid(&mut s).await, "TotWhExp is 0, SunSpec's 'not implemented' value for acc32");
    server.stop().await;
}

#[tokio::test]
async fn base_50000_and_a_configured_model_are_found() {
    let models = [common(), inverter(101, 42, 0), meter(204, 9, 8, 0)];
    let server = serve(any_port(), sunspec_map(50_000, &models)).await;
    // The first supported model by default, the configured one when set
    assert_eq!(source(config(server.addr)).read(0).await.ok(), Some(sample(42, None)));
    let mut wanted = config(server.addr);
    wanted.model = Some(204);
    assert_eq!(source(wanted).read(0).await.ok(), Some(sample(9, Some(8))));
    let mut absent = config(server.addr);
    absent.model = Some(203);
    let e = invalid(&mut source(absent)).await;
    assert_eq!(e, "no SunSpec model 203 on the device (models: [1, 101, 204])");
    server.stop().await;
}

#[tokio::test]
async fn maps_without_a_marker_or_a_supported_model_are_invalid() {
    // No 'SunS' anywhere: 40000 holds something else, 0 and 50000 do not exist
    let map: Map = Arc::new(Mutex::new(HashMap::from([(40_000, 0x1234), (40_001, 0x5678)])));
    let server = serve(any_port(), map).await;
    assert_eq!(
        invalid(&mut source(config(server.addr))).await,
        "no SunSpec marker 'SunS' (0x5375 0x6E53) at holding register 40000, 0 or 50000 \
         (40000: 0x1234 0x5678, 0: IllegalDataAddress, 50000: IllegalDataAddress)"
    );
    server.stop().await;

    // Only the common model
    let server = serve(any_port(), sunspec_map(40_000, &[common()])).await;
    let e = invalid(&mut source(config(server.addr))).await;
    assert_eq!(e, "no SunSpec model 101–103 or 201–204 on the device (models: [1])");
    server.stop().await;

    // A model too short to hold its energy counters
    let server = serve(any_port(), sunspec_map(40_000, &[common(), (103, vec![0; 10])])).await;
    let e = invalid(&mut source(config(server.addr))).await;
    assert_eq!(
        e,
        "SunSpec model 103 at register 40070 has length 10, too short for its energy counters"
    );
    server.stop().await;

    // A chain whose next model header is missing
    let map = sunspec_map(40_000, &[common()]);
    map.lock().unwrap().retain(|&a, _| a < 40_070);
    let server = serve(any_port(), map).await;
    let e = invalid(&mut source(config(server.addr))).await;
    assert_eq!(e, "device answered IllegalDataAddress for 2 registers at 40070");
    server.stop().await;
}

#[tokio::test]
async fn broken_model_chains_are_invalid() {
    // A model whose length runs the chain past register 65535
    let header = [(50_000, 0x5375), (50_001, 0x6E53), (50_002, 160), (50_003, 20_000)];
    let server = serve(any_port(), Arc::new(Mutex::new(HashMap::from(header)))).await;
    let e = invalid(&mut source(config(server.addr))).await;
    assert_eq!(e, "SunSpec model chain runs past register 50002");
    server.stop().await;

    // A chain of more models than any device has (a loop, or garbage)
    let server = serve(any_port(), sunspec_map(40_000, &vec![(160, vec![]); 65])).await;
    let e = invalid(&mut source(config(server.addr))).await;
    assert_eq!(e, "SunSpec model chain longer than 64 models");
    server.stop().await;
}

#[tokio::test]
async fn a_wrong_unit_id_shows_the_gateways_answers() {
    let server = serve(any_port(), sunspec_map(40_000, &[common(), inverter(103, 1, 0)])).await;
    let mut other = config(server.addr);
    other.unit_id = UNIT + 1;
    assert_eq!(
        invalid(&mut source(other)).await,
        "no SunSpec marker 'SunS' (0x5375 0x6E53) at holding register 40000, 0 or 50000 \
         (40000: GatewayTargetDevice, 0: GatewayTargetDevice, 50000: GatewayTargetDevice)"
    );
    server.stop().await;
}

#[tokio::test]
async fn a_device_that_goes_away_and_returns_is_read_again() {
    // Given a source reading an inverter
    let map = sunspec_map(40_000, &[common(), inverter(102, 1_000, 0)]);
    let server = serve(any_port(), map.clone()).await;
    let addr = server.addr;
    let mut s = source(config(addr));
    assert_eq!(s.read(0).await.ok(), Some(sample(1_000, None)));

    // When the device goes away, reads fail as unreachable (connection lost, then refused)
    server.stop().await;
    let read = s.read(0).await;
    assert!(matches!(read, Err(SourceError::Unreachable(_))), "{read:?}");
    let read = s.read(0).await;
    let refused = format!("{addr}: Connection refused (os error 111)");
    assert!(matches!(&read, Err(SourceError::Unreachable(m)) if *m == refused), "{read:?}");

    // Then when it returns (here after a "firmware update" with a new map), it is read again
    let updated = sunspec_map(0, &[common(), (160, vec![0; 8]), inverter(102, 1_234, 0)]);
    let server = serve(addr, updated).await;
    assert_eq!(s.read(0).await.ok(), Some(sample(1_234, None)));
    server.stop().await;
}

#[tokio::test]
async fn silent_and_absent_devices_are_unreachable_within_the_timeout() {
    // A listener that accepts connections (in the kernel's backlog) but never answers
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let mut c = config(silent.local_addr().unwrap());
    c.timeout = Duration::from_millis(200);
    // The message names the configured timeout: the read gave up by it, not by chance.
    let read = source(c).read(0).await;
    let expected = "reading register 40000 timed out after 200ms";
    assert!(matches!(&read, Err(SourceError::Unreachable(m)) if m == expected), "{read:?}");

    // Nobody listening at all
    let addr = silent.local_addr().unwrap();
    drop(silent);
    let read = source(config(addr)).read(0).await;
    let refused = format!("{addr}: Connection refused (os error 111)");
    assert!(matches!(&read, Err(SourceError::Unreachable(m)) if *m == refused), "{read:?}");
}
