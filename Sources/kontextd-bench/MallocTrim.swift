/// glibc's `malloc_trim(size_t pad)`: returns freed heap memory to the kernel. The Glibc module
/// does not export it; its C signature (size_t → int) is plain enough to bind by name.
@_silgen_name("malloc_trim")
private func glibcMallocTrim(_ pad: Int) -> Int32

/// Hands memory the process has freed back to the kernel, so a following RSS reading shows what
/// is in use rather than what earlier work left in the allocator.
enum MallocTrim {
    static func releaseFreeMemory() {
        _ = glibcMallocTrim(0)
    }
}
