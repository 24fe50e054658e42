package config

import (
	"errors"
	"fmt"
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
	// ReadOnly refuses every write; Confirm asks before every write.
	ReadOnly bool
	Confirm  bool
}

// File is the config file as read. Profile names are case-insensitive and
// held lower-cased, as viper reads them.
type File struct {
	Path           string
	DefaultProfile string
	Profiles       map[string]Profile
	Exists         bool
	History        HistoryConfig
	Warnings       []string
}

// The keys a profile and the file's top level know.
var (
	profileKeys = map[string]bool{"domain": true, "client_id": true, "client_secret": true, "audience": true, "read_only": true, "confirm": true}
	topKeys     = map[string]bool{"default_profile": true, "profiles": true, "history": true}
)

// LoadFile reads the config file at path. A missing file is not an error
// (Exists is false); an unreadable or malformed one is failure.Usage naming
// the file. Unknown keys and a secret in a file others can read are
// reported in Warnings.
func LoadFile(path string) (*File, error) {
	f := &File{Path: path, Profiles: map[string]Profile{}}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return f, nil
	case err != nil:
		return nil, failure.Wrap(failure.Usage, err, "config file %s", path)
	case info.IsDir():
		return nil, failure.Usagef("config file %s is a directory", path)
	}
	f.Exists = true

	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("yaml") // whatever the file's extension (--config FILE)
	if err := v.ReadInConfig(); err != nil {
		return nil, failure.Wrap(failure.Usage, err, "config file %s is not valid YAML", path)
	}
	// Viper silently merges keys that differ only in case; say which.
	if err := checkCaseDuplicates(path); err != nil {
		return nil, err
	}

	for _, k := range v.AllKeys() {
		top, _, _ := strings.Cut(k, ".")
		if !topKeys[top] {
			f.Warnings = append(f.Warnings, fmt.Sprintf("config file %s: unknown key %q ignored", path, top))
		}
	}
	f.Warnings = dedupe(f.Warnings)

	if raw := v.Get("default_profile"); raw != nil {
		s, ok := raw.(string)
		if !ok {
			return nil, failure.Usagef("config file %s: default_profile must be a profile name", path)
		}
		f.DefaultProfile = strings.ToLower(strings.TrimSpace(s))
	}

	h, warns, err := decodeHistory(path, v.Get("history"))
	if err != nil {
		return nil, err
	}
	f.History = h
	f.Warnings = append(f.Warnings, warns...)

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
		p, warns, err := decodeProfile(path, name, raw[name])
		if err != nil {
			return nil, err
		}
		f.Warnings = append(f.Warnings, warns...)
		f.Profiles[name] = p
		secret = secret || p.ClientSecret != ""
	}
	if secret && runtime.GOOS != "windows" && info.Mode().Perm()&0o044 != 0 {
		f.Warnings = append(f.Warnings, fmt.Sprintf("config file %s is readable by others and holds a client secret; chmod 600 %s", path, path))
	}
	return f, nil
}

func decodeProfile(path, name string, raw any) (Profile, []string, error) {
	var p Profile
	if raw == nil { // "prod:" with nothing under it
		return p, nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return p, nil, failure.Usagef("config file %s: profile %q must be a mapping of settings (domain, client_id, ...)", path, name)
	}
	var warns []string
	for _, k := range sortedKeys(m) {
		if !profileKeys[k] {
			warns = append(warns, fmt.Sprintf("config file %s: profile %q: unknown key %q ignored (known: domain, client_id, client_secret, audience, read_only, confirm)", path, name, k))
			continue
		}
		if k == "read_only" || k == "confirm" {
			b, err := decodeProfileBool(path, name, k, m[k])
			if err != nil {
				return p, nil, err
			}
			if k == "read_only" {
				p.ReadOnly = b
			} else {
				p.Confirm = b
			}
			continue
		}
		var s string
		switch val := m[k].(type) {
		case nil:
		case string:
			s = val
		default:
			// A number or boolean would come back in another spelling
			// (0123 -> 83): refuse rather than send a mangled credential.
			return p, nil, failure.Usagef("config file %s: profile %q: %s must be a string; put the value in quotes", path, name, k)
		}
		switch k {
		case "domain":
			p.Domain = s
		case "client_id":
			p.ClientID = s
		case "client_secret":
			p.ClientSecret = s
		case "audience":
			p.Audience = s
		}
	}
	return p, warns, nil
}

// checkCaseDuplicates refuses two profiles whose names differ only in case:
// profile names are case-insensitive and one would silently hide the other.
func checkCaseDuplicates(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return failure.Wrap(failure.Usage, err, "config file %s", path)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return failure.Wrap(failure.Usage, err, "config file %s is not valid YAML", path)
	}
	top := docMapping(&doc)
	if top == nil {
		return nil
	}
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

func dedupe(s []string) []string {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
