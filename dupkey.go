package sesame

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// DuplicateKey returns the path (e.g. "payload.amount") of the first key
// that appears twice in one JSON object of data, or "" when there is none.
// encoding/json keeps the last of duplicates silently, so a body could say
// one thing to a reviewer reading the first key and another to Sesame;
// such a body is refused instead. Invalid JSON yields "": the decoder
// reports that.
func DuplicateKey(data []byte) string {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	k, _ := duplicateIn(dec, "")
	return k
}

// duplicateIn reads one value; it stops at the first duplicate or at the
// first syntax error (the error, so that callers stop too).
func duplicateIn(dec *json.Decoder, path string) (string, error) {
	t, err := dec.Token()
	if err != nil {
		return "", err
	}
	switch t {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return "", err
			}
			key, _ := kt.(string)
			p := key
			if path != "" {
				p = path + "." + key
			}
			if seen[key] {
				return p, nil
			}
			seen[key] = true
			if d, err := duplicateIn(dec, p); d != "" || err != nil {
				return d, err
			}
		}
		_, err = dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if d, err := duplicateIn(dec, path+"["+strconv.Itoa(i)+"]"); d != "" || err != nil {
				return d, err
			}
		}
		_, err = dec.Token()
	}
	return "", err
}
