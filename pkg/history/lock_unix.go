//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package history

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

func lockFD(f *os.File) error {
	for {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}

func unlockFD(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_UN) }
