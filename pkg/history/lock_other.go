//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package history

import (
	"errors"
	"os"
)

func lockFD(*os.File) error {
	return errors.New("history: file locking is not supported on this platform")
}

func unlockFD(*os.File) error { return nil }
