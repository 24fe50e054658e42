package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGuardAndHistorySettings(t *testing.T) {
	tests := []struct {
		name     string
		content  string
		readOnly bool
		confirm  bool
		history  HistoryConfig
		err      string
		warn     string
	}{
		{name: "defaults", content: "profiles:\n  prod:\n    domain: a.auth0.com\n"},
		{name: "guards", content: "profiles:\n  prod:\n    domain: a.auth0.com\n    read_only: true\n    confirm: true\n", readOnly: true, confirm: true},
		{name: "history", content: "history: {enabled: false, max_size_mb: 5, max_age_days: 7}\nprofiles:\n  prod:\n    domain: a.auth0.com\n",
			history: HistoryConfig{Disabled: true, MaxSizeMB: 5, MaxAgeDays: 7}},
		{name: "read_only as a string", content: "profiles:\n  prod:\n    domain: a.auth0.com\n    read_only: \"yes\"\n", err: `profile "prod": read_only must be true or false`},
		{name: "negative size", content: "history:\n  max_size_mb: -1\nprofiles:\n  prod:\n    domain: a.auth0.com\n", err: "history.max_size_mb must be a positive whole number"},
		{name: "history not a mapping", content: "history: on\nprofiles:\n  prod:\n    domain: a.auth0.com\n", err: "history must be a mapping"},
		{name: "unknown history key", content: "history:\n  max_size: 5\nprofiles:\n  prod:\n    domain: a.auth0.com\n", warn: `history: unknown key "max_size"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.yaml")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := Resolve(Flags{Profile: "prod", ConfigFile: path}, func(string) string { return "" })
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.ReadOnly != tt.readOnly || s.Confirm != tt.confirm || s.History != tt.history {
				t.Errorf("got read_only %v confirm %v history %+v", s.ReadOnly, s.Confirm, s.History)
			}
			warns := strings.Join(s.Warnings, "\n")
			if (tt.warn == "") != (warns == "") || !strings.Contains(warns, tt.warn) {
				t.Errorf("warnings %q, want %q", warns, tt.warn)
			}
		})
	}
}
