//! CRC-32C (Castagnoli), the checksum every record batch carries: natively
//! on the CPU's instructions, in wasm (and natively with `table-crc`) by
//! tables.

/// CRC-32C (Castagnoli), as record batches carry it. Natively the
/// `crc-fast` crate folds with the CPU's carry-less multiply (58 GB/s with
/// AVX-512 VPCLMULQDQ on the test machine, against 24 GB/s for the `crc32c`
/// crate's CRC instruction); wasm has neither, so there the `crc` crate's
/// slice-by-16 tables do it, faster than the `crc32c` crate's slice-by-8
/// fallback (the wasm replication benchmark went from 1.6 to 1.9 million
/// records/s).
#[cfg(not(any(target_arch = "wasm32", feature = "table-crc")))]
pub fn crc32c_of(bytes: &[u8]) -> u32 {
    crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32Iscsi, bytes) as u32
}

/// CRC-32C (Castagnoli), as record batches carry it, by slice-by-16 tables
/// (wasm, and natively with the `table-crc` feature).
#[cfg(any(target_arch = "wasm32", feature = "table-crc"))]
pub fn crc32c_of(bytes: &[u8]) -> u32 {
    static CASTAGNOLI: crc::Crc<u32, crc::Table<16>> =
        crc::Crc::<u32, crc::Table<16>>::new(&crc::CRC_32_ISCSI);
    CASTAGNOLI.checksum(bytes)
}
