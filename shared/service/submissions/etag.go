package submissions

import (
	"strconv"
	"strings"
)

// etagMatch decides If-Match against the current version (nil: no If-Match).
type etagMatch func(current int, exists bool) bool

// ETag is a version's strong validator.
func ETag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// parseIfMatch reads "*" or a list of strong entity tags (RFC 9110 §13.1.1).
// A weak tag never matches: If-Match uses the strong comparison.
func parseIfMatch(h string) (etagMatch, bool) {
	h = strings.TrimSpace(h)
	if h == "" {
		return nil, true
	}
	if h == "*" {
		return func(_ int, exists bool) bool { return exists }, true
	}
	var versions []int
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if strings.HasPrefix(tag, "W/") {
			versions = append(versions, -1)
			continue
		}
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			return nil, false
		}
		n, err := strconv.Atoi(tag[1 : len(tag)-1])
		if err != nil {
			n = -1 // a well-formed tag of no version of ours: never matches
		}
		versions = append(versions, n)
	}
	return func(current int, exists bool) bool {
		for _, v := range versions {
			if exists && v == current {
				return true
			}
		}
		return false
	}, true
}
