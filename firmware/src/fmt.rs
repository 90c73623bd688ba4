//! Logging shim (embassy's `fmt.rs` idea): semihosting under QEMU, defmt on real boards. Format
//! strings must use the subset both understand (`{}` with integers and `&str`).

#[cfg(feature = "qemu")]
macro_rules! info {
    ($($arg:tt)*) => { cortex_m_semihosting::hprintln!($($arg)*) };
}

#[cfg(feature = "hardware")]
macro_rules! info {
    ($($arg:tt)*) => { defmt::info!($($arg)*) };
}
