package portal

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"
)

// exportArchive gives the person everything held about them as one zip
// archive (GDPR Art. 15 and 20): export.json as the JSON export, and one
// CSV file per part — events, score history, disputes, notices, consents,
// access log, credentials — with a column per field (nested values as
// JSON), for a spreadsheet.
func (p *Portal) exportArchive(w http.ResponseWriter, r *http.Request, person string) {
	out, err := p.exportData(r.Context(), person)
	if err != nil {
		writeJSONError(w, err)
		p.log.Error("portal: export archive", "err", err)
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) error {
		f, err := zw.Create(name)
		if err == nil {
			_, err = f.Write(b)
		}
		return err
	}
	whole, err := json.MarshalIndent(out, "", "  ")
	if err == nil {
		err = add("export.json", whole)
	}
	parts := make([]string, 0, len(out))
	for k := range out {
		parts = append(parts, k)
	}
	sort.Strings(parts)
	for _, k := range parts {
		if err != nil {
			break
		}
		var table []byte
		table, ok, cerr := csvOf(out[k])
		if cerr != nil {
			err = cerr
		} else if ok {
			err = add(k+".csv", table)
		}
	}
	if err == nil {
		err = zw.Close()
	}
	if err != nil {
		writeJSONError(w, err)
		p.log.Error("portal: export archive", "err", err)
		return
	}
	w.Header().Set("Content-Type", "application/zip")
	w.Header().Set("Content-Disposition", `attachment; filename="sesame-export.zip"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Write(buf.Bytes())
}

// csvOf writes a list of records as CSV: a header of every field seen,
// sorted, then a row per record; a nested value is its JSON. ok is false
// when v is not a list (a single value stays in export.json only).
func csvOf(v any) (b []byte, ok bool, err error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, false, err
	}
	var rows []map[string]json.RawMessage
	if json.Unmarshal(raw, &rows) != nil {
		return nil, false, nil
	}
	seen := map[string]bool{}
	var cols []string
	for _, row := range rows {
		for k := range row {
			if !seen[k] {
				seen[k] = true
				cols = append(cols, k)
			}
		}
	}
	sort.Strings(cols)
	var buf bytes.Buffer
	cw := csv.NewWriter(&buf)
	cw.Write(cols)
	for _, row := range rows {
		rec := make([]string, len(cols))
		for i, c := range cols {
			cell := row[c]
			var s string
			if json.Unmarshal(cell, &s) != nil {
				s = string(cell) // numbers, booleans, objects, lists: as JSON
			}
			if string(cell) == "null" {
				s = ""
			}
			rec[i] = s
		}
		cw.Write(rec)
	}
	cw.Flush()
	return buf.Bytes(), true, cw.Error()
}
