//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package sandbox

import (
	"errors"
	"os"
)

func lockFD(*os.File, bool) error {
	return errors.New("sandbox: file locking is not supported on this platform")
}

func unlockFD(*os.File) error { return nil }
