package mgmt

import (
	"net/url"
	"strings"
)

// escapeSegment escapes s as one path segment: url.PathEscape already turns
// '/' into %2F and '|' into %7C; a segment of only dots is escaped too so it
// cannot be read as "." or "..".
func escapeSegment(s string) string {
	if strings.Trim(s, ".") == "" {
		return strings.ReplaceAll(s, ".", "%2E")
	}
	return url.PathEscape(s)
}

// UserPath is the escaped path of a user: "/api/v2/users/auth0%7Cabc".
func UserPath(userID string) string { return "/api/v2/users/" + escapeSegment(userID) }

// ClientPath is the escaped path of a client (application).
func ClientPath(clientID string) string { return "/api/v2/clients/" + escapeSegment(clientID) }
