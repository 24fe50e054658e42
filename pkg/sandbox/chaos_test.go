package sandbox

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// outcomes sends n PATCHes (each sets its own key) and GETs, alternating,
// with a client timeout below Slow, and names what each one got.
func outcomes(t *testing.T, seed uint64, n int) ([]string, *env) {
	e := newEnv(t, Options{Seed: true, RandomFaults: &RandomFaults{Rate: 0.2, Seed: seed, Slow: 500 * time.Millisecond}})
	client := &http.Client{Timeout: 250 * time.Millisecond}
	var got []string
	for i := 0; i < n; i++ {
		method, body := "GET", ""
		if i%2 == 0 {
			method, body = "PATCH", fmt.Sprintf(`{"user_metadata":{"k%d":%d}}`, i, i)
		}
		req, _ := http.NewRequest(method, e.ts.URL+jane, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Set("Content-Type", "application/json")
		res, err := client.Do(req)
		switch {
		case err != nil:
			got = append(got, "error")
		default:
			res.Body.Close()
			got = append(got, fmt.Sprint(res.StatusCode))
		}
	}
	return got, e
}

func TestRandomFaults(t *testing.T) {
	const n = 160
	got, e := outcomes(t, 7, n)
	tally := map[string]int{}
	for _, o := range got {
		tally[o]++
	}
	counts := e.s.FaultCounts()
	if tally["429"] != counts[FaultTooMany] || tally["500"] != counts[FaultServer] || tally["error"] != counts[FaultReset]+counts[FaultSlow] {
		t.Fatalf("outcomes %v, injected %v", tally, counts)
	}
	total := counts[FaultTooMany] + counts[FaultServer] + counts[FaultReset] + counts[FaultSlow]
	if total < n/10 || total > n*3/10 || counts[FaultTooMany] == 0 || counts[FaultServer] == 0 || counts[FaultReset] == 0 || counts[FaultSlow] == 0 {
		t.Fatalf("at 20%% of %d requests: %v", n, counts)
	}
	// a slow write is made although its answer never came; failed ones are not
	time.Sleep(600 * time.Millisecond) // let held answers finish
	u, _ := e.s.User("auth0|jane1")
	made := 0
	for i := 0; i < n; i += 2 {
		if strings.Contains(string(u), fmt.Sprintf(`"k%d":%d`, i, i)) {
			made++
		} else if got[i] == "200" {
			t.Errorf("write %d answered 200 but missing", i)
		}
	}
	failedBeforeHandling := 0
	for i := 0; i < n; i += 2 {
		if got[i] == "429" || got[i] == "500" {
			failedBeforeHandling++
		}
	}
	if made >= n/2-failedBeforeHandling+1 || made <= tallyOf(got, "200", 0) {
		t.Errorf("%d writes made; outcomes %v", made, got)
	}
	// the same seed gives the same faults; another seed others
	again, _ := outcomes(t, 7, n)
	if strings.Join(again, " ") != strings.Join(got, " ") {
		t.Errorf("seed 7 twice:\n%v\n%v", got, again)
	}
	other, _ := outcomes(t, 8, n)
	if strings.Join(other, " ") == strings.Join(got, " ") {
		t.Error("seeds 7 and 8 gave the same faults")
	}
	// clients and tokens are never faulted
	for i := 0; i < 50; i++ {
		e.expect(e.do("GET", "/api/v2/clients/myclientid123", ""), 200, "")
	}
}

// tallyOf counts the writes (even positions from start) that got want.
func tallyOf(got []string, want string, start int) int {
	n := 0
	for i := start; i < len(got); i += 2 {
		if got[i] == want {
			n++
		}
	}
	return n
}
