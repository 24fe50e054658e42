package iostreams

import "testing"

func TestNoColorWanted(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want bool
	}{
		{map[string]string{}, false},
		{map[string]string{"NO_COLOR": ""}, false}, // set but empty does not count
		{map[string]string{"NO_COLOR": "1"}, true},
		{map[string]string{"NO_COLOR": "0"}, true}, // any non-empty value
		{map[string]string{"TERM": "dumb"}, true},
		{map[string]string{"TERM": "xterm-256color"}, false},
	}
	for _, tt := range tests {
		if got := NoColorWanted(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("NoColorWanted(%v) = %v, want %v", tt.env, got, tt.want)
		}
	}
}
