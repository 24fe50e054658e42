package config

import (
	"fmt"

	"github.com/a0meta/a0meta/pkg/failure"
)

// HistoryConfig is the file's top-level `history:` mapping. Zero values
// mean "the default".
type HistoryConfig struct {
	Disabled   bool // enabled: false
	MaxSizeMB  int
	MaxAgeDays int
}

// decodeHistory reads `history: {enabled: true, max_size_mb: 20, max_age_days: 90}`.
func decodeHistory(path string, raw any) (HistoryConfig, []string, error) {
	var h HistoryConfig
	if raw == nil {
		return h, nil, nil
	}
	m, ok := raw.(map[string]any)
	if !ok {
		return h, nil, failure.Usagef("config file %s: history must be a mapping (enabled, max_size_mb, max_age_days)", path)
	}
	var warns []string
	for _, k := range sortedKeys(m) {
		switch k {
		case "enabled":
			b, ok := m[k].(bool)
			if !ok {
				return h, nil, failure.Usagef("config file %s: history.enabled must be true or false", path)
			}
			h.Disabled = !b
		case "max_size_mb", "max_age_days":
			n, ok := m[k].(int)
			if !ok || n <= 0 {
				return h, nil, failure.Usagef("config file %s: history.%s must be a positive whole number", path, k)
			}
			if k == "max_size_mb" {
				h.MaxSizeMB = n
			} else {
				h.MaxAgeDays = n
			}
		default:
			warns = append(warns, fmt.Sprintf("config file %s: history: unknown key %q ignored (known: enabled, max_size_mb, max_age_days)", path, k))
		}
	}
	return h, warns, nil
}

// decodeProfileBool reads a profile's true/false setting (read_only, confirm).
func decodeProfileBool(path, name, key string, raw any) (bool, error) {
	switch v := raw.(type) {
	case nil:
		return false, nil
	case bool:
		return v, nil
	}
	return false, failure.Usagef("config file %s: profile %q: %s must be true or false", path, name, key)
}
