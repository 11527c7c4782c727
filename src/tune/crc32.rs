//! CRC-32 (IEEE 802.3, the checksum of zlib and Python's `binascii.crc32`), for Hyperband's
//! bracket assignment.

/// The CRC-32 of `bytes`: reflected polynomial `0xEDB88320`, initial value and final XOR
/// `0xFFFFFFFF`, computed bit by bit (the inputs here are a few dozen bytes).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::crc32;

    #[test]
    fn check_values() {
        // The standard check value, and Python's binascii.crc32(b"tuneup-pruners_7").
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b"tuneup-pruners_7"), 0xAF70_2956);
        assert_eq!(crc32(b""), 0);
    }
}
