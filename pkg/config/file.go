package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"sort"
	"strings"

	"github.com/spf13/viper"
	yaml "go.yaml.in/yaml/v3"

	"github.com/a0meta/a0meta/pkg/failure"
)

// SandboxProfile is the built-in profile of the local sandbox tenant; it
// cannot be defined in the config file.
const SandboxProfile = "sandbox"

// Profile is one tenant's settings in the config file. Empty means not set.
type Profile struct {
	Domain       string
	ClientID     string
	ClientSecret string
	Audience     string
	// Guard rails, enforced by the commands that write: ReadOnly refuses
	// every write, Confirm asks before each one.
	ReadOnly bool
	Confirm  bool
}

// HistoryConfig is the file's top-level history: section. Zero values
// mean "the default" (the history package has the defaults).
type HistoryConfig struct {
	Disabled   bool // enabled: false
	MaxSizeMB  int
	MaxAgeDays int
}

// File is the config file as read. Profile names are case-insensitive and
// held lower-cased, as viper reads them.
type File struct {
	Path           string
	DefaultProfile string
	Profiles       map[string]Profile
	History        HistoryConfig
	Exists         bool
	Warnings       []string
}

// maxConfigSize bounds what is read of the config file: a real one is a few
// hundred bytes, and a mistaken path (a log, a device) must not be slurped.
const maxConfigSize = 1 << 20

// openConfig opens the config file; tests replace it to count reads.
var openConfig = os.Open

// LoadFile reads the config file at path. It is read and parsed once: the
// YAML tree gives the diagnostics (unknown keys, names differing only in
// case), and viper, fed the decoded tree, gives the values. A missing file
// is not an error (Exists is false); an unreadable or malformed one is
// failure.Usage naming the file. Unknown keys, with the closest known name,
// and a file that group or others can read or write are reported in
// Warnings.
func LoadFile(path string) (*File, error) {
	f := &File{Path: path, Profiles: map[string]Profile{}}
	fh, err := openConfig(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, failure.Wrap(failure.Usage, err, "config file %s", path)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, "config file %s", path)
	}
	if info.IsDir() {
		return nil, failure.Usagef("config file %s is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(fh, maxConfigSize+1))
	if err != nil {
		return nil, failure.Wrap(failure.Usage, err, "config file %s", path)
	}
	if len(data) > maxConfigSize {
		return nil, failure.Usagef("config file %s is larger than %d bytes; is it the right file?", path, maxConfigSize)
	}
	f.Exists = true

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, failure.Wrap(failure.Usage, err, "config file %s is not valid YAML", path)
	}
	top := docMapping(&doc)
	if top == nil && doc.Kind != 0 && !isNull(doc.Content) {
		return nil, failure.Usagef("config file %s is not valid YAML settings: the top level must be a mapping such as \"profiles:\"", path)
	}
	var tree map[string]any
	if top != nil {
		// Decoding the tree (not the text) also catches a key given twice.
		if err := top.Decode(&tree); err != nil {
			return nil, failure.Wrap(failure.Usage, err, "config file %s is not valid YAML", path)
		}
		if err := checkCaseDuplicates(path, top); err != nil {
			return nil, err
		}
		warns, err := unknownKeys(path, top)
		if err != nil {
			return nil, err
		}
		f.Warnings = append(f.Warnings, warns...)
	}

	// Viper lower-cases keys, which makes profile names and settings
	// case-insensitive.
	v := viper.New()
	if err := v.MergeConfigMap(tree); err != nil {
		return nil, failure.Wrap(failure.Usage, err, "config file %s", path)
	}

	if raw := v.Get("default_profile"); raw != nil {
		s, ok := raw.(string)
		if !ok {
			return nil, failure.Usagef("config file %s: default_profile must be a profile name", path)
		}
		f.DefaultProfile = strings.ToLower(strings.TrimSpace(s))
	}
	if raw := v.Get("history"); raw != nil {
		h, err := decodeHistory(path, raw)
		if err != nil {
			return nil, err
		}
		f.History = h
	}

	// Profile names may hold dots, so the profiles are read as one map,
	// never through dotted keys such as "profiles.NAME.domain".
	var raw map[string]any
	if v.Get("profiles") != nil {
		if err := v.UnmarshalKey("profiles", &raw); err != nil {
			return nil, failure.Usagef("config file %s: profiles must be a mapping of profile names to settings", path)
		}
	}
	secret := false
	for _, name := range sortedKeys(raw) {
		if strings.EqualFold(name, SandboxProfile) {
			return nil, failure.Usagef("config file %s defines a profile %q: that name is built in (the local sandbox tenant); rename the profile", path, name)
		}
		p, err := decodeProfile(path, name, raw[name])
		if err != nil {
			return nil, err
		}
		f.Profiles[name] = p
		secret = secret || p.ClientSecret != ""
	}
	// Only a regular file is a0meta's to tighten: --config /dev/null is a
	// way to use no file at all.
	if w := modeWarning(path, info.Mode().Perm(), secret); w != "" && info.Mode().IsRegular() {
		f.Warnings = append(f.Warnings, w)
	}
	return f, nil
}

// modeWarning is the warning for a config file that group or others can
// read or write: whoever can write it can send a0meta (and a secret) to
// another tenant, and whoever can read it learns the tenants and any
// secret. Windows has no such bits.
func modeWarning(path string, perm fs.FileMode, secret bool) string {
	if runtime.GOOS == "windows" || perm&0o077 == 0 {
		return ""
	}
	if secret && perm&0o044 != 0 {
		return fmt.Sprintf("config file %s is readable by others and holds a client secret; chmod 600 %s", path, path)
	}
	return fmt.Sprintf("config file %s has mode %04o: group or others can read or change which tenant a0meta talks to; chmod 600 %s", path, perm, path)
}

func isNull(nodes []*yaml.Node) bool {
	return len(nodes) == 1 && nodes[0].Kind == yaml.ScalarNode && nodes[0].Tag == "!!null"
}

// unknownKeys names every key of the file a0meta does not know, at the top
// level, in each profile and under history, with its line.
func unknownKeys(path string, top *yaml.Node) ([]string, error) {
	var warns []string
	var guardErr error
	check := func(m *yaml.Node, where string, list []setting) {
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := m.Content[i]
			if _, ok := lookup(list, strings.ToLower(k.Value)); ok {
				continue
			}
			msg := unknownKey(path, k.Line, where, k.Value, list)
			// A misspelt guard rail must not leave production writable:
			// refuse, rather than warn and write.
			if near := closest(k.Value, names(list)); guardErr == nil && (near == "read_only" || near == "confirm") {
				guardErr = failure.Usagef("config file %s, line %d: %sunknown key %q (did you mean %q?): a guard rail a0meta does not understand is refused, not ignored; nothing was sent", path, k.Line, where, k.Value, near)
			}
			warns = append(warns, msg)
		}
	}
	check(top, "", topSettings)
	for i := 0; i+1 < len(top.Content); i += 2 {
		val := top.Content[i+1]
		if val.Kind != yaml.MappingNode {
			continue
		}
		switch strings.ToLower(top.Content[i].Value) {
		case "profiles":
			for j := 0; j+1 < len(val.Content); j += 2 {
				if p := val.Content[j+1]; p.Kind == yaml.MappingNode {
					check(p, fmt.Sprintf("profile %q: ", strings.ToLower(val.Content[j].Value)), profileSettings)
				}
			}
		case "history":
			check(val, "history: ", historySettings)
		}
	}
	return warns, guardErr
}

// decodeValue checks a known setting's value against its kind. A nil
// value (the key with nothing after it) is the zero value.
func decodeValue(path, where string, s setting, raw any) (any, error) {
	if raw == nil {
		return nil, nil
	}
	ok := false
	switch s.kind {
	case kindString:
		_, ok = raw.(string)
	case kindBool:
		_, ok = raw.(bool)
	case kindInt:
		_, ok = raw.(int)
	case kindMapping:
		_, ok = raw.(map[string]any)
	}
	if ok {
		return raw, nil
	}
	hint := ""
	if s.kind == kindString {
		// A number or boolean would come back in another spelling
		// (0123 -> 83): refuse rather than send a mangled credential.
		hint = "; put the value in quotes"
	}
	return nil, failure.Usagef("config file %s: %s%s must be %s%s", path, where, s.name, s.kind, hint)
}

func decodeProfile(path, name string, raw any) (Profile, error) {
	var p Profile
	if raw == nil { // "prod:" with nothing under it
		return p, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return p, failure.Usagef("config file %s: profile %q must be a mapping of settings (domain, client_id, ...)", path, name)
	}
	where := fmt.Sprintf("profile %q: ", name)
	for _, k := range sortedKeys(m) {
		s, known := lookup(profileSettings, k)
		if !known {
			continue // reported by unknownKeys
		}
		val, err := decodeValue(path, where, s, m[k])
		if err != nil {
			return p, err
		}
		str, _ := val.(string)
		b, _ := val.(bool)
		switch k {
		case "domain":
			p.Domain = str
		case "client_id":
			p.ClientID = str
		case "client_secret":
			p.ClientSecret = str
		case "audience":
			p.Audience = str
		case "read_only":
			p.ReadOnly = b
		case "confirm":
			p.Confirm = b
		}
	}
	return p, nil
}

func decodeHistory(path string, raw any) (HistoryConfig, error) {
	var h HistoryConfig
	m, ok := raw.(map[string]any)
	if !ok {
		return h, failure.Usagef("config file %s: history must be a mapping of settings (%s)", path, strings.Join(names(historySettings), ", "))
	}
	for _, k := range sortedKeys(m) {
		s, known := lookup(historySettings, k)
		if !known {
			continue
		}
		val, err := decodeValue(path, "history.", s, m[k])
		if err != nil {
			return h, err
		}
		n, _ := val.(int)
		if s.kind == kindInt && val != nil && n <= 0 {
			return h, failure.Usagef("config file %s: history.%s must be a positive whole number", path, k)
		}
		switch k {
		case "enabled":
			b, _ := val.(bool)
			h.Disabled = val != nil && !b
		case "max_size_mb":
			h.MaxSizeMB = n
		case "max_age_days":
			h.MaxAgeDays = n
		}
	}
	return h, nil
}

// checkCaseDuplicates refuses two profiles whose names differ only in case:
// profile names are case-insensitive and one would silently hide the other.
func checkCaseDuplicates(path string, top *yaml.Node) error {
	for i := 0; i+1 < len(top.Content); i += 2 {
		if !strings.EqualFold(top.Content[i].Value, "profiles") || top.Content[i+1].Kind != yaml.MappingNode {
			continue
		}
		seen := map[string]string{}
		ps := top.Content[i+1]
		for j := 0; j+1 < len(ps.Content); j += 2 {
			name := ps.Content[j].Value
			if prev, ok := seen[strings.ToLower(name)]; ok {
				return failure.Usagef("config file %s: profiles %q and %q differ only in case; profile names are case-insensitive", path, prev, name)
			}
			seen[strings.ToLower(name)] = name
		}
	}
	return nil
}

// docMapping is the top-level mapping of a parsed document, or nil.
func docMapping(doc *yaml.Node) *yaml.Node {
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.MappingNode {
		return doc.Content[0]
	}
	return nil
}

// ProfileNames lists the file's profiles, sorted.
func (f *File) ProfileNames() []string { return sortedKeys(f.Profiles) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
