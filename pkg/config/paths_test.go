package config

import (
	"path/filepath"
	"runtime"
	"testing"
)

func mapEnv(m map[string]string) Env { return func(k string) string { return m[k] } }

func TestPaths(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the table spells Unix paths, which are not absolute on Windows")
	}
	type want struct{ config, cache, data, state string }
	tests := []struct {
		name string
		goos string
		env  map[string]string
		want want
	}{
		{"linux defaults", "linux", map[string]string{"HOME": "/h"}, want{
			"/h/.config/a0meta/config.yaml", "/h/.cache/a0meta", "/h/.local/share/a0meta", "/h/.local/state/a0meta"}},
		{"linux xdg", "linux", map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/xc", "XDG_CACHE_HOME": "/xk", "XDG_DATA_HOME": "/xd", "XDG_STATE_HOME": "/xs"}, want{
			"/xc/a0meta/config.yaml", "/xk/a0meta", "/xd/a0meta", "/xs/a0meta"}},
		{"relative xdg ignored", "linux", map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "rel", "XDG_CACHE_HOME": "rel", "XDG_DATA_HOME": "rel", "XDG_STATE_HOME": "rel"}, want{
			"/h/.config/a0meta/config.yaml", "/h/.cache/a0meta", "/h/.local/share/a0meta", "/h/.local/state/a0meta"}},
		{"A0META_CONFIG wins", "linux", map[string]string{"HOME": "/h", "XDG_CONFIG_HOME": "/xc", "A0META_CONFIG": "/etc/a.yaml"}, want{
			"/etc/a.yaml", "/h/.cache/a0meta", "/h/.local/share/a0meta", "/h/.local/state/a0meta"}},
		{"macOS", "darwin", map[string]string{"HOME": "/Users/u"}, want{
			"/Users/u/Library/Application Support/a0meta/config.yaml", "/Users/u/Library/Caches/a0meta",
			"/Users/u/Library/Application Support/a0meta/data", "/Users/u/Library/Application Support/a0meta/state"}},
		{"macOS xdg", "darwin", map[string]string{"HOME": "/Users/u", "XDG_CONFIG_HOME": "/xc", "XDG_CACHE_HOME": "/xk"}, want{
			"/xc/a0meta/config.yaml", "/xk/a0meta", "/Users/u/Library/Application Support/a0meta/data", "/Users/u/Library/Application Support/a0meta/state"}},
		{"windows", "windows", map[string]string{"AppData": "/r", "LocalAppData": "/l"}, want{
			"/r/a0meta/config.yaml", "/l/a0meta/cache", "/l/a0meta/data", "/l/a0meta/state"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := mapEnv(tt.env)
			for _, c := range []struct {
				what string
				f    func(string, Env) (string, error)
				want string
			}{{"config", configPath, tt.want.config}, {"cache", cacheDir, tt.want.cache}, {"data", dataDir, tt.want.data}, {"state", stateDir, tt.want.state}} {
				got, err := c.f(tt.goos, env)
				if err != nil {
					t.Fatalf("%s: %v", c.what, err)
				}
				if got != filepath.FromSlash(c.want) {
					t.Errorf("%s = %q, want %q", c.what, got, filepath.FromSlash(c.want))
				}
			}
		})
	}
}

func TestPathsExported(t *testing.T) {
	home := t.TempDir()
	env := mapEnv(map[string]string{"HOME": home, "USERPROFILE": home, "AppData": home, "LocalAppData": home,
		"XDG_CONFIG_HOME": filepath.Join(home, "c"), "XDG_CACHE_HOME": filepath.Join(home, "k"),
		"XDG_DATA_HOME": filepath.Join(home, "d"), "XDG_STATE_HOME": filepath.Join(home, "s")})
	for _, c := range []struct {
		f    func(Env) (string, error)
		want string
	}{
		{ConfigPath, filepath.Join(home, "c", "a0meta", "config.yaml")},
		{CacheDir, filepath.Join(home, "k", "a0meta")},
		{DataDir, filepath.Join(home, "d", "a0meta")},
		{StateDir, filepath.Join(home, "s", "a0meta")},
	} {
		if got, err := c.f(env); err != nil || got != c.want {
			t.Errorf("got %q, %v; want %q", got, err, c.want)
		}
	}
}

func TestWindowsMissingAppData(t *testing.T) {
	if _, err := configPath("windows", mapEnv(nil)); err == nil {
		t.Fatal("want an error when %AppData% is not set")
	}
}
