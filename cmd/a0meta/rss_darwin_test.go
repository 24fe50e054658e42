package main

import "syscall"

// maxRSSKB: macOS reports ru_maxrss in bytes.
func maxRSSKB(ru *syscall.Rusage) int64 { return ru.Maxrss / 1024 }
