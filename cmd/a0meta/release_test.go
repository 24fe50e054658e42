package main

import (
	"os"
	"regexp"
	"testing"
)

// Release builds are reproducible: no template in .goreleaser.yaml stamps
// the time of the build (.Date, .Timestamp, .Now); the commit's time
// (.CommitDate, .CommitTimestamp) is used instead.
func TestReleaseBuildsAreReproducible(t *testing.T) {
	data, err := os.ReadFile("../../.goreleaser.yaml")
	if err != nil {
		t.Fatal(err)
	}
	buildTime := regexp.MustCompile(`\{\{[^}]*\.(Date|Timestamp|Now)\b[^}]*\}\}`)
	for _, m := range buildTime.FindAll(data, -1) {
		t.Errorf(".goreleaser.yaml uses the build time: %s", m)
	}
	if !regexp.MustCompile(`build\.Date=\{\{\s*\.CommitDate\s*\}\}`).Match(data) {
		t.Error("the binary's build date is not the commit date")
	}
}
