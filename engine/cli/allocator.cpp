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

extern "C" {
// jemalloc reads this symbol when it starts: thp:always for the heap, metadata_thp:always for its
// own bookkeeping.
const char* malloc_conf = "thp:always,metadata_thp:always";
}
