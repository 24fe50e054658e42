package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// BenchmarkPatchUser measures a metadata PATCH in a tenant of 10k users,
// through the handler without a network.
func BenchmarkPatchUser(b *testing.B) {
	s, err := Open(Options{Seed: true})
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < 10000; i++ {
		s.PutUser([]byte(fmt.Sprintf(`{"user_id":"auth0|u%d","email":"u%d@example.com","user_metadata":{"n":%d}}`, i, i, i)))
	}
	tok := "Bearer " + s.MintToken("https://example.test/api/v2/")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("PATCH", "http://example.test/api/v2/users/auth0%7Cu42", strings.NewReader(`{"user_metadata":{"k":[1,2,3],"n":null}}`))
		r.Header.Set("Authorization", tok)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// BenchmarkUsersByEmail measures an email lookup in a tenant of 10k users.
func BenchmarkUsersByEmail(b *testing.B) {
	s, _ := Open(Options{Seed: true})
	for i := 0; i < 10000; i++ {
		s.PutUser([]byte(fmt.Sprintf(`{"user_id":"auth0|u%d","email":"u%d@example.com"}`, i, i)))
	}
	tok := "Bearer " + s.MintToken("https://example.test/api/v2/")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("GET", "http://example.test/api/v2/users-by-email?email=u42%40example.com&fields=user_id", nil)
		r.Header.Set("Authorization", tok)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK || w.Body.String() != `[{"user_id":"auth0|u42"}]` {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}

// callAPI runs one request through the handler without a network and returns
// the body.
func callAPI(s *Server, tok, method, path string) string {
	r := httptest.NewRequest(method, "http://example.test"+path, nil)
	r.Header.Set("Authorization", "Bearer "+tok)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w.Body.String()
}

// BenchmarkPatchUserJournaled measures a metadata PATCH in a tenant of
// 100k users kept in a state file: journal append and fsync included.
func BenchmarkPatchUserJournaled(b *testing.B) {
	f := b.TempDir() + "/state.json"
	if err := Reseed(f, SeedSpec{Users: 100000}); err != nil {
		b.Fatal(err)
	}
	s, err := Open(Options{DataFile: f})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	tok := "Bearer " + s.MintToken("https://example.test/api/v2/")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := httptest.NewRequest("PATCH", fmt.Sprintf("http://example.test/api/v2/users/auth0%%7Cuser%05d", i%100000+1), strings.NewReader(`{"app_metadata":{"plan":"pro"}}`))
		r.Header.Set("Authorization", tok)
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
}
