package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unicode"

	yaml "go.yaml.in/yaml/v3"

	"github.com/a0meta/a0meta/pkg/failure"
	"github.com/a0meta/a0meta/pkg/fsutil"
)

// SetProfile writes one profile into the config file at path, creating the
// file (mode 0600, its directory 0700) if needed.
//
// The rest of the file is kept: other profiles, default_profile, unknown
// keys and comments. Names compare case-insensitively (viper reads them
// lower-cased): an existing "Prod" is updated in place under its spelling;
// a new profile is stored as given.
//
// Only the fields of p that are set are written; an empty field keeps what
// the profile has (so an empty ClientSecret leaves a stored secret alone,
// and a new profile without one keeps its secret out of the file). But a
// profile moved to another domain starts afresh: its old client_id,
// client_secret and audience belong to the old tenant and are removed
// unless given, so a secret is never left pointing at a new domain.
//
// default_profile is set to name only when makeDefault: a first profile
// does not silently become the one every command uses.
//
// The file is replaced atomically (temporary file, then rename) and always
// ends up 0600, tightening an existing file. a0meta's own directory (one
// named "a0meta", as the default config directory is) is made 0700 when it
// is looser; a directory chosen with --config is the user's and is left
// alone. A symbolic link is followed
// and its target replaced, so managed dotfiles keep their link.
func SetProfile(path string, name string, p Profile, makeDefault bool) error {
	if err := checkProfileName(name); err != nil {
		return err
	}
	if p.Domain != "" {
		if _, _, err := NormalizeDomain(p.Domain); err != nil {
			return err
		}
	}
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("config file %s: %w", path, err)
	}

	var doc yaml.Node
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("config file %s: %w", path, err)
	default:
		if err := yaml.Unmarshal(data, &doc); err != nil {
			return failure.Wrap(failure.Usage, err, "config file %s is not valid YAML; fix it first", path)
		}
		if doc.Kind == 0 { // only comments, which the parser drops: keep them
			doc.HeadComment = commentLines(data)
		}
	}
	top, err := topMapping(&doc, path)
	if err != nil {
		return err
	}

	profiles := mappingValue(top, "profiles")
	if profiles == nil {
		profiles = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		appendPair(top, "profiles", profiles)
	} else if err := ensureMapping(profiles, path, "profiles"); err != nil {
		return err
	}

	var entry *yaml.Node
	for i := 0; i+1 < len(profiles.Content); i += 2 {
		if strings.EqualFold(profiles.Content[i].Value, name) {
			if entry != nil {
				return failure.Usagef("config file %s: two profiles are named %q (names are case-insensitive); remove one first", path, name)
			}
			entry = profiles.Content[i+1]
		}
	}
	isNew := entry == nil
	if isNew {
		if p.Domain == "" {
			return failure.Usagef("profile %q does not exist in %s: give its domain and client id to create it", name, path)
		}
		entry = &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		appendPair(profiles, name, entry)
	} else if err := ensureMapping(entry, path, "profile "+fmt.Sprintf("%q", name)); err != nil {
		return err
	}

	if old := mappingValue(entry, "domain"); !isNew && p.Domain != "" && old != nil && old.Value != "" && !sameTenant(old.Value, mustBase(p.Domain)) {
		for _, k := range []string{"client_id", "client_secret", "audience"} {
			removeKey(entry, k)
		}
	}
	for _, kv := range [][2]string{{"domain", p.Domain}, {"client_id", p.ClientID}, {"client_secret", p.ClientSecret}, {"audience", p.Audience}} {
		if kv[1] != "" {
			setString(entry, kv[0], kv[1])
		}
	}

	if dp := mappingValue(top, "default_profile"); makeDefault {
		if dp == nil {
			key := strNode("default_profile")
			if len(top.Content) > 0 { // a comment above the first key heads the file
				key.HeadComment, top.Content[0].HeadComment = top.Content[0].HeadComment, ""
			}
			top.Content = append([]*yaml.Node{key, strNode(name)}, top.Content...)
		} else {
			setString(top, "default_profile", name)
		}
	}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := tightenAppDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if err := fsutil.WriteFileAtomic(path, buf.Bytes()); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	return nil
}

// tightenAppDir makes a0meta's own config directory 0700: a directory
// others can write lets them replace the config file, and one they can
// list shows which files exist. Windows has no such bits.
func tightenAppDir(dir string) error {
	if runtime.GOOS == "windows" || filepath.Base(dir) != appName {
		return nil
	}
	info, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if info.Mode().Perm()&0o077 == 0 {
		return nil
	}
	return os.Chmod(dir, 0o700)
}

func checkProfileName(name string) error {
	switch {
	case name == "":
		return failure.Usagef("empty profile name")
	case strings.EqualFold(name, SandboxProfile):
		return failure.Usagef("profile name %q is built in (the local sandbox tenant); choose another name", name)
	case strings.TrimSpace(name) != name:
		return failure.Usagef("profile name %q has leading or trailing spaces", name)
	case strings.IndexFunc(name, unicode.IsControl) >= 0:
		return failure.Usagef("profile name %q holds a control character", name)
	}
	return nil
}

func commentLines(data []byte) string {
	var keep []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "#") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}

func mustBase(domain string) string {
	b, _, _ := NormalizeDomain(domain)
	return b
}

// topMapping returns the document's top-level mapping, making an empty
// document into one.
func topMapping(doc *yaml.Node, path string) (*yaml.Node, error) {
	if doc.Kind == 0 {
		doc.Kind = yaml.DocumentNode
	}
	if doc.Kind != yaml.DocumentNode {
		return nil, failure.Usagef("config file %s: unexpected YAML structure", path)
	}
	if len(doc.Content) == 0 {
		doc.Content = []*yaml.Node{{Kind: yaml.MappingNode, Tag: "!!map"}}
	}
	top := doc.Content[0]
	if err := ensureMapping(top, path, "the top level"); err != nil {
		return nil, err
	}
	return top, nil
}

// ensureMapping accepts a mapping, and turns a null (a key with nothing
// under it) into an empty one.
func ensureMapping(n *yaml.Node, path, what string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		n.Kind, n.Tag, n.Value, n.Style = yaml.MappingNode, "!!map", "", 0
	}
	if n.Kind != yaml.MappingNode {
		return failure.Usagef("config file %s: %s must be a mapping", path, what)
	}
	if len(n.Content) == 0 {
		n.Style = 0 // "{}" would otherwise keep everything added on one line
	}
	return nil
}

// mappingValue is the value of key (case-insensitive) in mapping m, or nil.
func mappingValue(m *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			return m.Content[i+1]
		}
	}
	return nil
}

// setString sets key to the string value, keeping the old value's comments.
func setString(m *yaml.Node, key, value string) {
	n := strNode(value)
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			old := m.Content[i+1]
			n.HeadComment, n.LineComment, n.FootComment = old.HeadComment, old.LineComment, old.FootComment
			m.Content[i+1] = n
			return
		}
	}
	appendPair(m, key, n)
}

func removeKey(m *yaml.Node, key string) {
	for i := 0; i+1 < len(m.Content); i += 2 {
		if strings.EqualFold(m.Content[i].Value, key) {
			m.Content = append(m.Content[:i], m.Content[i+2:]...)
			i -= 2
		}
	}
}

func appendPair(m *yaml.Node, key string, value *yaml.Node) {
	m.Content = append(m.Content, strNode(key), value)
}

// strNode is a string scalar, quoted by the encoder where needed so that a
// value such as "0123" or "true" reads back as the same string.
func strNode(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
