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
	return duplicateIn(dec, "")
}

func duplicateIn(dec *json.Decoder, path string) string {
	t, err := dec.Token()
	if err != nil {
		return ""
	}
	switch t {
	case json.Delim('{'):
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			key, ok := kt.(string)
			if err != nil || !ok {
				return ""
			}
			p := key
			if path != "" {
				p = path + "." + key
			}
			if seen[key] {
				return p
			}
			seen[key] = true
			if d := duplicateIn(dec, p); d != "" {
				return d
			}
		}
		dec.Token()
	case json.Delim('['):
		for i := 0; dec.More(); i++ {
			if d := duplicateIn(dec, path+"["+strconv.Itoa(i)+"]"); d != "" {
				return d
			}
		}
		dec.Token()
	}
	return ""
}
