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

/// Advises `buf`'s whole allocation (its spare capacity too) when it is at
/// least 8 MiB.
#[cfg(target_os = "linux")]
pub fn advise_huge_pages(buf: &mut Vec<u8>) {
    const HUGE_PAGE_FROM: usize = 8 << 20;
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
