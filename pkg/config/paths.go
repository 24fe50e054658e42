// Package config is everything a0meta keeps on disk about tenants and
// credentials, and how one run's settings are worked out from them:
//
//   - it finds a0meta's files (config file, token cache, data and state
//     directories) per platform and XDG;
//   - it reads the config file (profiles, default_profile, history
//     settings; read and parsed once, unknown keys named with the closest
//     known one) and writes profiles into it (SetProfile, keeping comments
//     and the other profiles, mode 0600);
//   - it resolves the settings of one run (domain, credentials, audience,
//     guard rails) from flags, environment and profiles in the order the
//     command-line contract gives, recording where every value came from,
//     and refuses a credential whose own source names another domain;
//   - it holds the token cache (TokenCache, TokenCacheKey).
//
// It knows nothing of cobra: the cli passes the flag values in.
package config

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
)

// Env looks up an environment variable; os.Getenv in production, a map in
// tests, so no test reads or writes the real home directory.
type Env func(string) string

const appName = "a0meta"

// ConfigPath is the config file: $A0META_CONFIG, else
// $XDG_CONFIG_HOME/a0meta/config.yaml, else ~/.config/a0meta/config.yaml
// (on macOS and Windows the directory os.UserConfigDir gives). As the XDG
// spec asks, a relative $XDG_* value is ignored, here and below.
func ConfigPath(env Env) (string, error) { return configPath(runtime.GOOS, env) }

// CacheDir holds the token cache: $XDG_CACHE_HOME/a0meta, else
// ~/.cache/a0meta (the platform's cache directory on macOS and Windows).
func CacheDir(env Env) (string, error) { return cacheDir(runtime.GOOS, env) }

// DataDir holds data worth keeping, such as the sandbox tenant's state:
// $XDG_DATA_HOME/a0meta, else ~/.local/share/a0meta.
func DataDir(env Env) (string, error) { return dataDir(runtime.GOOS, env) }

// StateDir holds run history and similar state: $XDG_STATE_HOME/a0meta,
// else ~/.local/state/a0meta.
func StateDir(env Env) (string, error) { return stateDir(runtime.GOOS, env) }

func configPath(goos string, env Env) (string, error) {
	if p := env("A0META_CONFIG"); p != "" {
		return p, nil
	}
	if x := env("XDG_CONFIG_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, appName, "config.yaml"), nil
	}
	var base string
	switch goos {
	case "darwin":
		home, err := homeDir(goos, env)
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, "Library", "Application Support")
	case "windows":
		d, err := windowsDir(env, "AppData")
		if err != nil {
			return "", err
		}
		base = d
	default:
		home, err := homeDir(goos, env)
		if err != nil {
			return "", err
		}
		base = filepath.Join(home, ".config")
	}
	return filepath.Join(base, appName, "config.yaml"), nil
}

func cacheDir(goos string, env Env) (string, error) {
	if x := env("XDG_CACHE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, appName), nil
	}
	switch goos {
	case "darwin":
		home, err := homeDir(goos, env)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Caches", appName), nil
	case "windows":
		// %LocalAppData%\a0meta also holds the data and state directories:
		// the cache gets its own subdirectory so clearing it loses nothing.
		d, err := windowsDir(env, "LocalAppData")
		if err != nil {
			return "", err
		}
		return filepath.Join(d, appName, "cache"), nil
	}
	home, err := homeDir(goos, env)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".cache", appName), nil
}

func dataDir(goos string, env Env) (string, error) {
	return platformSubdir(goos, env, "XDG_DATA_HOME", filepath.Join(".local", "share"), "data")
}

func stateDir(goos string, env Env) (string, error) {
	return platformSubdir(goos, env, "XDG_STATE_HOME", filepath.Join(".local", "state"), "state")
}

// platformSubdir is $xdgVar/a0meta, else ~/unixRel/a0meta on Unix, else
// <platform dir>/a0meta/<sub> on macOS and Windows, where data, state and
// the config file or cache would otherwise share one directory.
func platformSubdir(goos string, env Env, xdgVar, unixRel, sub string) (string, error) {
	if x := env(xdgVar); filepath.IsAbs(x) {
		return filepath.Join(x, appName), nil
	}
	switch goos {
	case "darwin":
		home, err := homeDir(goos, env)
		if err != nil {
			return "", err
		}
		return filepath.Join(home, "Library", "Application Support", appName, sub), nil
	case "windows":
		d, err := windowsDir(env, "LocalAppData")
		if err != nil {
			return "", err
		}
		return filepath.Join(d, appName, sub), nil
	}
	home, err := homeDir(goos, env)
	if err != nil {
		return "", err
	}
	return filepath.Join(home, unixRel, appName), nil
}

func homeDir(goos string, env Env) (string, error) {
	v := "HOME"
	if goos == "windows" {
		v = "USERPROFILE"
	}
	if h := env(v); h != "" {
		return h, nil
	}
	h, err := os.UserHomeDir()
	if err != nil || h == "" {
		return "", errors.New("cannot find the home directory: set $HOME")
	}
	return h, nil
}

func windowsDir(env Env, v string) (string, error) {
	if d := env(v); d != "" {
		return d, nil
	}
	return "", errors.New("%" + v + "% is not set")
}
