package sandbox

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tidwall/gjson"
)

// grantedScopes are the scopes every client of the sandbox holds for the
// Management API.
var grantedScopes = []string{
	"read:users", "update:users", "read:clients", "update:clients",
	"create:users", "delete:users", "create:clients", "delete:clients",
	"update:users_app_metadata",
}

type claims struct {
	Iss   string `json:"iss"`
	Sub   string `json:"sub"`
	Aud   string `json:"aud"`
	Iat   int64  `json:"iat"`
	Exp   int64  `json:"exp"`
	Scope string `json:"scope"`
	Gty   string `json:"gty"`
	Azp   string `json:"azp"`
	// Jti makes every token unique, so a token fetched to replace a refused
	// one differs from it even within the same second.
	Jti string `json:"jti"`
}

func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, []byte(`{"error":`+quote(code)+`,"error_description":`+quote(desc)+`}`))
}

// tokenParams reads the token request from a form or JSON body, with the
// client credentials optionally in HTTP Basic.
func tokenParams(r *http.Request, body []byte) (url.Values, bool) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	v := url.Values{}
	if mt == "application/json" {
		res := gjson.ParseBytes(body)
		if !gjson.ValidBytes(body) || !res.IsObject() {
			return nil, false
		}
		res.ForEach(func(k, val gjson.Result) bool {
			v.Set(k.String(), val.String())
			return true
		})
	} else {
		q, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, false
		}
		v = q
	}
	if id, secret, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: Basic credentials are form-encoded first.
		if d, err := url.QueryUnescape(id); err == nil {
			id = d
		}
		if d, err := url.QueryUnescape(secret); err == nil {
			secret = d
		}
		if v.Get("client_id") == "" {
			v.Set("client_id", id)
		}
		if v.Get("client_secret") == "" {
			v.Set("client_secret", secret)
		}
	}
	return v, true
}

func (s *Server) handleToken(w http.ResponseWriter, r *http.Request, body []byte) {
	if r.Method != http.MethodPost {
		writeError(w, http.StatusNotFound, "Not Found", "Not Found", "")
		return
	}
	p, ok := tokenParams(r, body)
	if !ok {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Invalid request body")
		return
	}
	switch gt := p.Get("grant_type"); gt {
	case "":
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: grant_type")
		return
	case "client_credentials":
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant type: "+gt)
		return
	}
	id, secret := p.Get("client_id"), p.Get("client_secret")
	s.mu.Lock()
	_, c := s.st.client(id)
	key := s.st.key
	s.mu.Unlock()
	if id == "" || c == nil || c.str("client_secret") == "" ||
		subtle.ConstantTimeCompare([]byte(c.str("client_secret")), []byte(secret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	aud := p.Get("audience")
	if aud == "" {
		// What Auth0 says when neither the request nor the tenant names an API.
		oauthError(w, http.StatusForbidden, "access_denied", "Non-global clients are not allowed access to APIv1")
		return
	}
	if !s.audienceOK(aud, r.Host) {
		oauthError(w, http.StatusForbidden, "access_denied", "Service not enabled within domain: "+aud)
		return
	}
	scopes := grantedScopes
	if req := strings.Fields(p.Get("scope")); len(req) > 0 {
		var missing []string
		for _, sc := range req {
			if !slices.Contains(grantedScopes, sc) {
				missing = append(missing, sc)
			}
		}
		if len(missing) > 0 {
			oauthError(w, http.StatusForbidden, "access_denied", "Client has not been granted scopes: "+strings.Join(missing, ","))
			return
		}
		scopes = req
	}
	now := s.opts.Now()
	tok := mintToken(key, claims{
		Iss: "https://" + r.Host + "/", Sub: id + "@clients", Aud: aud,
		Iat: now.Unix(), Exp: now.Add(s.opts.TokenLifetime).Unix(),
		Scope: strings.Join(scopes, " "), Gty: "client-credentials", Azp: id,
	})
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, []byte(`{"access_token":`+quote(tok)+
		`,"expires_in":`+strconv.FormatInt(int64(s.opts.TokenLifetime/time.Second), 10)+
		`,"scope":`+quote(strings.Join(scopes, " "))+`,"token_type":"Bearer"}`))
}

func (s *Server) audienceOK(aud, host string) bool {
	return aud == "https://"+host+"/api/v2/" || slices.Contains(s.opts.Audiences, aud)
}

var jwtHeader = base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))

func mintToken(key []byte, c claims) string {
	if c.Jti == "" {
		var b [12]byte
		_, _ = rand.Read(b[:])
		c.Jti = hex.EncodeToString(b[:])
	}
	payload, _ := json.Marshal(c)
	signing := jwtHeader + "." + base64.RawURLEncoding.EncodeToString(payload)
	return signing + "." + sign(key, signing)
}

func sign(key []byte, s string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(s))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// MintToken returns an access token for the demo application as the token
// endpoint would issue it (all scopes when none are named), for tests that
// want to skip the token request.
func (s *Server) MintToken(audience string, scopes ...string) string {
	if len(scopes) == 0 {
		scopes = grantedScopes
	}
	now := s.opts.Now()
	s.mu.Lock()
	key := s.st.key
	s.mu.Unlock()
	return mintToken(key, claims{
		Iss: "https://" + VirtualDomain + "/", Sub: DemoClientID + "@clients", Aud: audience,
		Iat: now.Unix(), Exp: now.Add(s.opts.TokenLifetime).Unix(),
		Scope: strings.Join(scopes, " "), Gty: "client-credentials", Azp: DemoClientID,
	})
}

func unauthorized(w http.ResponseWriter, msg string) {
	writeJSON(w, http.StatusUnauthorized, []byte(`{"statusCode":401,"error":"Unauthorized","message":`+
		quote(msg)+`,"attributes":{"error":`+quote(msg)+`}}`))
}

// authenticate checks the bearer token; it answers 401 itself and returns
// the token's scopes when valid.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) ([]string, bool) {
	h := r.Header.Get("Authorization")
	if h == "" {
		unauthorized(w, "Missing authentication")
		return nil, false
	}
	scheme, tok, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		unauthorized(w, "Bad HTTP authentication header format")
		return nil, false
	}
	parts := strings.Split(strings.TrimSpace(tok), ".")
	if len(parts) != 3 {
		unauthorized(w, "Invalid token")
		return nil, false
	}
	s.mu.Lock()
	key := s.st.key
	s.mu.Unlock()
	if parts[0] != jwtHeader || !hmac.Equal([]byte(sign(key, parts[0]+"."+parts[1])), []byte(parts[2])) {
		unauthorized(w, "Invalid token")
		return nil, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c claims
	if err != nil || json.Unmarshal(payload, &c) != nil {
		unauthorized(w, "Invalid token")
		return nil, false
	}
	if s.opts.Now().Unix() >= c.Exp {
		unauthorized(w, "Expired token received for JSON Web Token validation")
		return nil, false
	}
	if !s.audienceOK(c.Aud, r.Host) {
		unauthorized(w, "Bad audience: "+c.Aud)
		return nil, false
	}
	return strings.Fields(c.Scope), true
}

// requireScope answers 403 unless the token holds one of want.
func requireScope(w http.ResponseWriter, have []string, want ...string) bool {
	for _, s := range want {
		if slices.Contains(have, s) {
			return true
		}
	}
	writeError(w, http.StatusForbidden, "Forbidden",
		"Insufficient scope, expected any of: "+strings.Join(want, ","), "insufficient_scope")
	return false
}
