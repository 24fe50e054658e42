package config

import (
	"fmt"
	"strings"
)

// kind is the type a config file setting must have.
type kind int

const (
	kindString  kind = iota // a YAML string (a number would come back respelled)
	kindBool                // true or false
	kindInt                 // a whole number
	kindMapping             // a mapping of further settings
)

func (k kind) String() string {
	switch k {
	case kindBool:
		return "true or false"
	case kindInt:
		return "a whole number"
	case kindMapping:
		return "a mapping"
	}
	return "a string"
}

// setting is one key the config file knows.
type setting struct {
	name string
	kind kind
}

// The settings of the config file, in one place. To teach a0meta a new
// one, add it here and read it where its level is decoded (decodeProfile,
// decodeHistory, LoadFile); a key that is in no list is reported as
// unknown, with the closest known name.
var (
	topSettings = []setting{
		{"default_profile", kindString},
		{"profiles", kindMapping},
		{"history", kindMapping},
	}
	profileSettings = []setting{
		{"domain", kindString},
		{"client_id", kindString},
		{"client_secret", kindString},
		{"audience", kindString},
		{"read_only", kindBool}, // refuse every write through this profile
		{"confirm", kindBool},   // ask before every write through this profile
	}
	historySettings = []setting{
		{"enabled", kindBool},
		{"max_size_mb", kindInt},
		{"max_age_days", kindInt},
	}
)

func lookup(list []setting, name string) (setting, bool) {
	for _, s := range list {
		if s.name == name {
			return s, true
		}
	}
	return setting{}, false
}

func names(list []setting) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.name
	}
	return out
}

// unknownKey words the warning for a key not in list: the closest known
// name when one is near, and a hint when a profile setting sits at the top
// level.
func unknownKey(path string, line int, where, key string, list []setting) string {
	msg := fmt.Sprintf("config file %s, line %d: %sunknown key %q ignored", path, line, where, key)
	if near := closest(key, names(list)); near != "" {
		return msg + fmt.Sprintf("; did you mean %q?", near)
	}
	if where == "" {
		// domain: (or domian:) at the top level belongs in a profile.
		if near := closest(key, names(profileSettings)); near != "" {
			return msg + fmt.Sprintf(" (%s is a profile setting: put it under profiles: NAME:)", near)
		}
	}
	return msg + " (known: " + strings.Join(names(list), ", ") + ")"
}

// closest is the candidate nearest to s by edit distance, if it is near
// enough to be a likely typo (a third of its length, at least 2), else "".
// A hyphen counts as an underscore: client-id is client_id.
func closest(s string, candidates []string) string {
	norm := strings.ReplaceAll(strings.ToLower(s), "-", "_")
	best, bestD := "", -1
	for _, c := range candidates {
		d := editDistance(norm, c)
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(2, len(best)/3)
	if bestD < 0 || bestD > limit {
		return ""
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, counted in
// runes, with adjacent transpositions counted as one edit (domian).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows suffice for the transposition rule.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
