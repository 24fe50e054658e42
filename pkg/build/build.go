// Package build holds the version stamp, set with -ldflags at release time
// and otherwise read from the module's build information.
package build

import (
	"runtime/debug"
	"sync"
)

// Set by -ldflags "-X github.com/a0meta/a0meta/pkg/build.Version=… -X ….Commit=… -X ….Date=…".
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info is the effective version stamp.
type Info struct{ Version, Commit, Date string }

var once sync.Once
var info Info

// Get returns the stamp, filling what ldflags left empty from the Go build
// information (module version for `go install …@vX`, VCS revision and time
// for a build from a checkout).
func Get() Info {
	once.Do(func() {
		info = Info{Version: Version, Commit: Commit, Date: Date}
		bi, ok := debug.ReadBuildInfo()
		if ok {
			if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
				info.Version = bi.Main.Version
			}
			for _, s := range bi.Settings {
				switch s.Key {
				case "vcs.revision":
					if info.Commit == "" {
						info.Commit = s.Value
					}
				case "vcs.time":
					if info.Date == "" {
						info.Date = s.Value
					}
				case "vcs.modified":
					if s.Value == "true" && Commit == "" && info.Commit != "" {
						info.Commit += "-dirty"
					}
				}
			}
		}
		if info.Version == "" {
			info.Version = "dev"
		}
		if info.Commit == "" {
			info.Commit = "unknown"
		}
		if info.Date == "" {
			info.Date = "unknown"
		}
	})
	return info
}
