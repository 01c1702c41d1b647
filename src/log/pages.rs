//! Large `.log` buffers natively ask Linux for transparent huge pages.
//!
//! A random lookup in a log of a gigabyte reads one batch header far from
//! everything read before; with 4 KiB pages part of its time goes to the
//! page-table walk of a TLB miss, on top of the read itself. A buffer of 8 MiB
//! or more is advised `MADV_HUGEPAGE`, so its 2 MiB-aligned parts
//! faulted in afterwards come as 2 MiB pages. Small buffers (the scaled-down
//! segments of the app and the tests) are left alone, as is every other
//! target, wasm included. The advice changes how memory is mapped, never
//! what it holds.

/// Capacity from which a buffer is advised.
#[cfg(target_os = "linux")]
const HUGE_PAGE_FROM: usize = 8 << 20;

/// Appends `bytes` to a `.log` buffer. One that must grow to 8 MiB or more
/// moves into a new allocation advised before it is written, so all of it,
/// the bytes it held included, comes in huge pages. Growing with `realloc`
/// instead moves the old pages with `mremap`, which splits every huge page
/// whose new address is aligned differently: a 1.17 GB log grown that way
/// had 348 MB of it in huge pages.
#[cfg(target_os = "linux")]
pub fn extend_log(buf: &mut Vec<u8>, bytes: &[u8]) {
    let needed = buf.len() + bytes.len();
    if needed > buf.capacity() && needed >= HUGE_PAGE_FROM {
        let mut grown = Vec::with_capacity(needed.max(2 * buf.capacity()));
        advise_huge_pages(&mut grown);
        grown.extend_from_slice(buf);
        *buf = grown;
    }
    buf.extend_from_slice(bytes);
}

/// Appends `bytes` to a `.log` buffer.
#[cfg(not(target_os = "linux"))]
pub fn extend_log(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(bytes);
}

/// Advises `buf`'s whole allocation (its spare capacity too) when it is at
/// least 8 MiB.
#[cfg(target_os = "linux")]
pub fn advise_huge_pages(buf: &mut Vec<u8>) {
    const HUGE_PAGE: usize = 2 << 20;
    if buf.capacity() < HUGE_PAGE_FROM {
        return;
    }
    let start = buf.as_mut_ptr() as usize;
    let first = start.next_multiple_of(HUGE_PAGE);
    let end = (start + buf.capacity()) & !(HUGE_PAGE - 1);
    if end > first {
        // SAFETY: [first, end) lies inside the allocation `buf` owns, and
        // MADV_HUGEPAGE only changes how the kernel backs those pages; the
        // bytes stay as they are. A refusal (old kernel, THP disabled)
        // leaves 4 KiB pages, so its result is not needed.
        unsafe {
            libc::madvise(first as *mut libc::c_void, end - first, libc::MADV_HUGEPAGE);
        }
    }
}

/// No advice outside Linux.
#[cfg(not(target_os = "linux"))]
pub fn advise_huge_pages(_buf: &mut Vec<u8>) {}

#[cfg(test)]
mod tests {
    use super::extend_log;

    #[test]
    fn a_log_grown_past_the_huge_page_threshold_keeps_every_byte_in_order() {
        let chunk: Vec<u8> = (0..=250u8).cycle().take(100_003).collect();
        let mut log = Vec::new();
        let mut plain = Vec::new();
        for i in 0..300u32 {
            let piece = &chunk[(i as usize * 7) % 1000..];
            extend_log(&mut log, piece);
            plain.extend_from_slice(piece);
        }
        assert!(
            log.len() > 16 << 20,
            "grew through two doublings past 8 MiB"
        );
        assert!(log == plain);
    }
}
