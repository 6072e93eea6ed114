// Package table reads a tabular data set (CSV or TSV, optionally gzipped)
// into memory for the model engine. It knows nothing about credit: it only
// turns bytes into a header and rows of strings, with errors that name the
// line a person has to fix, and a SHA-256 fingerprint of what it read so
// that a trained model can say which data it came from.
package table

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// Table is a data set held in memory: a header and rows of raw strings.
// Rows all have len(Header) fields. The table is read-only once built.
type Table struct {
	Header []string
	Rows   [][]string
	// SHA256 is the hex digest of the bytes read (after gunzip), so the
	// same data compressed differently keeps the same fingerprint.
	SHA256 string
}

// ReadFile reads the CSV file at path; see Read.
func ReadFile(path string) (*Table, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Read parses a delimited text table. Gzip input is detected by its magic
// bytes; the delimiter (comma, tab or semicolon) is the one most frequent in
// the header line. Unnamed header cells become "unnamed_N" (N counting from
// 0), the usual name pandas gives an exported index.
func Read(r io.Reader) (*Table, error) {
	br := bufio.NewReaderSize(r, 1<<16)
	magic, _ := br.Peek(2)
	var src io.Reader = br
	if len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		gz, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		defer gz.Close()
		src = gz
	}
	hash := sha256.New()
	data, err := io.ReadAll(io.TeeReader(src, hash))
	if err != nil {
		return nil, fmt.Errorf("reading: %w", err)
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // UTF-8 byte order mark
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("empty file: no header and no rows")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.Comma = sniffDelimiter(data)
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	t := &Table{Header: make([]string, len(header)), SHA256: hex.EncodeToString(hash.Sum(nil))}
	seen := make(map[string]bool, len(header))
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			h = fmt.Sprintf("unnamed_%d", i)
		}
		if seen[h] {
			return nil, fmt.Errorf("header: column %q appears twice", h)
		}
		seen[h] = true
		t.Header[i] = h
	}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return nil, fmt.Errorf("row %d (line %d): %v", len(t.Rows)+1, pe.StartLine, pe.Err)
			}
			return nil, err
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" && len(header) > 1 {
			continue // a blank line
		}
		t.Rows = append(t.Rows, rec)
	}
	if len(t.Rows) == 0 {
		return nil, errors.New("no data rows after the header")
	}
	return t, nil
}

// sniffDelimiter picks the most frequent of comma, tab and semicolon in the
// first line; comma wins ties, including the no-delimiter case.
func sniffDelimiter(data []byte) rune {
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	}
	best, bestN := ',', bytes.Count(line, []byte{','})
	for _, d := range []rune{'\t', ';'} {
		if n := bytes.Count(line, []byte(string(d))); n > bestN {
			best, bestN = d, n
		}
	}
	return best
}

// Column returns the index of the named column, or -1.
func (t *Table) Column(name string) int {
	for i, h := range t.Header {
		if h == name {
			return i
		}
	}
	return -1
}
