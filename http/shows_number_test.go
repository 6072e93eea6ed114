package http

import (
	"regexp"
	"strconv"
)

// showsNumber reports whether body holds n as a number of its own, not as
// digits inside a request id's hex or a timestamp's nanoseconds, which
// made tests that look for a leaked score fail by chance.
func showsNumber(body string, n int) bool {
	return regexp.MustCompile(`(^|[^0-9A-Za-z])` + strconv.Itoa(n) + `([^0-9A-Za-z]|$)`).MatchString(body)
}
