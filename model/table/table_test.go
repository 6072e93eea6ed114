package table

import (
	"bytes"
	"compress/gzip"
	"strings"
	"testing"
)

func TestReadPlainGzipAndTSVAgree(t *testing.T) {
	csv := "\xef\xbb\xbfa,b,\n1,x,3\n\n4,\"y, z\",6\n"
	plain, err := Read(strings.NewReader(csv))
	if err != nil {
		t.Fatal(err)
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(csv))
	w.Close()
	zipped, err := Read(&gz)
	if err != nil {
		t.Fatal(err)
	}
	if plain.SHA256 != zipped.SHA256 || len(zipped.Rows) != 2 {
		t.Fatalf("gzip changed the table: %q vs %q, %d rows", plain.SHA256, zipped.SHA256, len(zipped.Rows))
	}
	if got := strings.Join(plain.Header, "|"); got != "a|b|unnamed_2" {
		t.Fatalf("header %q", got)
	}
	if plain.Rows[1][1] != "y, z" {
		t.Fatalf("quoted field %q", plain.Rows[1][1])
	}
	tsv, err := Read(strings.NewReader("a\tb\n1\t2\n"))
	if err != nil || len(tsv.Header) != 2 || tsv.Rows[0][1] != "2" {
		t.Fatalf("TSV: %v %v", tsv, err)
	}
}

func TestReadRejectsDuplicateColumns(t *testing.T) {
	if _, err := Read(strings.NewReader("a,a\n1,2\n")); err == nil || !strings.Contains(err.Error(), `"a"`) {
		t.Fatalf("error %v", err)
	}
}
