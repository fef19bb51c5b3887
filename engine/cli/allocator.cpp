// The executables' allocator: jemalloc, with the settings below compiled in (MALLOC_CONF in the
// environment still overrides them). Linked into the pgward binary and the benchmarks, never into
// the sanitizer or fuzzing builds, whose allocators are their own.
//
// Why: a large run builds hundreds of megabytes of small objects once (a 100,000-line
// pg_hba.conf: its rules, facts, access map and findings; a 1,000,000-connection snapshot: its
// document and facts). glibc's malloc takes that memory from the kernel 4 KiB at a time, and the
// page faults were the largest single cost of those runs: over 100,000 for one scan, each a trap
// that is slow on virtual machines. jemalloc asks for transparent huge pages (madvise, so it
// works where the system's setting is `madvise`, the usual default) and faults memory in 2 MiB
// at a time. bench/scan_bench and bench/collect_bench show the difference.
//
// Each page the kernel gives is cleared first, and on a virtual machine that first touch costs
// about a millisecond per megabyte: a 100,000-line scan faulted 500 MB of huge pages for a peak of
// 260 MB, because jemalloc gave freed memory back to the kernel and asked for it again, and
// because memory freed into one thread's arena could not serve another thread's. A pgward run is
// short and its memory use peaks once, so what it frees is kept for its own next allocations (no
// decay), in one arena for every thread (their small allocations come from their own caches,
// tcache, so the arena's lock is seldom taken; MALLOC_CONF=narenas:N overrides it, should a
// machine of many cores show contention). Allocations of 8 MiB and more keep their own arena, and
// what it frees stays there. Measured on two cores, medians: a 100,000-line scan 1.08 -> 0.91 s
// (peak 260 -> 285 MB), 10,000 lines 0.19 -> 0.125 s (peak 75 -> 57 MB).

extern "C" {
// jemalloc reads this symbol when it starts: thp:always for the heap, metadata_thp:always for its
// own bookkeeping; narenas:1 and no dirty or muzzy decay, as above.
const char* malloc_conf =
    "thp:always,metadata_thp:always,narenas:1,dirty_decay_ms:-1,muzzy_decay_ms:-1";
}
