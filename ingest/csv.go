package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/sesame-credit/sesame"
)

// csvDecoder reads the CSV layout described in csvlayout.go: each row is
// turned into the event's JSON form and decoded by DecodeEvent, so CSV and
// JSON accept exactly the same events and report the same reasons (with
// field names mapped back to column names).
type csvDecoder struct {
	r      *csv.Reader
	limit  *elementLimit
	opt    Options
	header []string
	roles  []columnRole
	envIdx map[string]int // envelope column -> index
	fields map[string]int // payload column name -> index (amount columns under the field name)
	curIdx map[string]int // money field -> index of its F_currency column
	shared int            // index of the shared currency column, or -1
	json   bytes.Buffer
	raw    bytes.Buffer
	rawW   *csv.Writer
	done   bool
}

func newCSVDecoder(br *bufio.Reader, opt Options) (*csvDecoder, error) {
	// A byte order mark, as spreadsheets write, is not part of the first column's name.
	if b, _ := br.Peek(3); bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		br.Discard(3)
	}
	l := &elementLimit{r: br, max: int64(opt.maxRecord())}
	d := &csvDecoder{r: csv.NewReader(l), limit: l, opt: opt, envIdx: map[string]int{}, fields: map[string]int{}, curIdx: map[string]int{}, shared: -1}
	d.r.ReuseRecord = true
	d.rawW = csv.NewWriter(&d.raw)
	header, err := d.r.Read()
	if err == io.EOF {
		d.done = true
		return d, nil
	}
	if err != nil {
		return nil, d.fatal(err)
	}
	d.header = append([]string(nil), header...)
	var unknown []string
	for i, name := range d.header {
		name = strings.TrimSpace(name)
		d.header[i] = name
		role, ok := roleOf(name)
		if !ok {
			unknown = append(unknown, strconv.Quote(name))
		}
		d.roles = append(d.roles, role)
		if _, dup := d.envIdx[name]; dup {
			return nil, sesame.Errorf(sesame.EINVALID, "CSV header: column %q appears twice", name)
		}
		if _, dup := d.fields[name]; dup {
			return nil, sesame.Errorf(sesame.EINVALID, "CSV header: column %q appears twice", name)
		}
		switch {
		case role.envelope != "":
			d.envIdx[role.envelope] = i
		case role.shared:
			d.shared = i
		case role.typ == cellCurrency:
			d.curIdx[role.field] = i
			d.fields[name] = i
		default:
			d.fields[name] = i
		}
	}
	if len(unknown) > 0 {
		return nil, sesame.Errorf(sesame.EINVALID, "CSV header: unknown column(s) %s; see docs/events.md for each kind's columns", strings.Join(unknown, ", "))
	}
	var missing []string
	for _, env := range csvEnvelope[1:] {
		if _, ok := d.envIdx[env]; !ok {
			missing = append(missing, env)
		}
	}
	if len(missing) > 0 {
		return nil, sesame.Errorf(sesame.EINVALID, "CSV header: missing column(s) %s (the header row must name source, id, person, kind, occurred_at and the payload columns)", strings.Join(missing, ", "))
	}
	d.r.FieldsPerRecord = len(d.header)
	return d, nil
}

// fatal explains an error that ends the CSV input.
func (d *csvDecoder) fatal(err error) error {
	d.done = true
	if errors.Is(err, errElementTooLarge) {
		line, _ := d.r.FieldPos(0)
		return tooLarge(line+1, d.opt.maxRecord())
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return sesame.Errorf(sesame.EINVALID, "CSV line %d: %v", pe.StartLine, pe.Err)
	}
	return fmt.Errorf("ingest: reading CSV: %w", err)
}

func (d *csvDecoder) Next() (Record, error) {
	if d.done {
		return Record{}, io.EOF
	}
	d.limit.mark = d.r.InputOffset()
	row, err := d.r.Read()
	if err == io.EOF {
		d.done = true
		return Record{}, io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) && (errors.Is(pe.Err, csv.ErrFieldCount) || errors.Is(pe.Err, csv.ErrQuote) || errors.Is(pe.Err, csv.ErrBareQuote)) {
		// The reader resynchronises at the next line: report this row and go on.
		reason := fmt.Sprintf("has %d fields, the header %d", len(row), len(d.header))
		if !errors.Is(pe.Err, csv.ErrFieldCount) {
			reason = "is not valid CSV: " + pe.Err.Error() + " at column " + strconv.Itoa(pe.Column)
		}
		return Record{Line: pe.StartLine, Raw: d.encode(row), Err: &sesame.Error{Code: sesame.EINVALID, Message: "invalid event",
			Details: []sesame.FieldError{{Field: "", Reason: "the row " + reason}}}}, nil
	}
	if err != nil {
		return Record{}, d.fatal(err)
	}
	line, _ := d.r.FieldPos(0)
	rec := Record{Line: line, Raw: d.encode(row)}
	data, err := d.toJSON(row)
	if err != nil {
		rec.Err = err
		return rec, nil
	}
	rec.Event, rec.Err = DecodeEvent(data, d.opt.now())
	if rec.Err != nil {
		rec.Err = d.columnNames(rec.Err, row)
	}
	return rec, nil
}

func (d *csvDecoder) encode(row []string) []byte {
	d.raw.Reset()
	d.rawW.Write(row)
	d.rawW.Flush()
	return bytes.TrimSuffix(d.raw.Bytes(), []byte("\n"))
}

func (d *csvDecoder) cell(row []string, idx int, ok bool) string {
	if !ok || idx < 0 || idx >= len(row) {
		return ""
	}
	return strings.TrimSpace(row[idx])
}

// toJSON writes the row as an event in JSON. Cells that cannot become the
// right JSON type (a word in a number column) are reported here.
func (d *csvDecoder) toJSON(row []string) ([]byte, error) {
	var errs []sesame.FieldError
	b := &d.json
	b.Reset()
	b.WriteByte('{')
	if i, ok := d.envIdx["v"]; ok && d.cell(row, i, true) != "" {
		n, err := strconv.Atoi(d.cell(row, i, true))
		if err != nil {
			errs = append(errs, sesame.FieldError{Field: "v", Reason: "must be an integer"})
		}
		fmt.Fprintf(b, `"v":%d,`, n)
	}
	for _, env := range csvEnvelope[1:] {
		i, ok := d.envIdx[env]
		if s := d.cell(row, i, ok); s != "" {
			writeJSONString(b, env)
			b.WriteByte(':')
			writeJSONString(b, s)
			b.WriteByte(',')
		}
	}
	kind := sesame.Kind(d.cell(row, d.envIdx["kind"], true))
	b.WriteString(`"payload":{`)
	own := map[string]bool{}
	first := true
	sep := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		writeJSONString(b, name)
		b.WriteByte(':')
	}
	for _, c := range csvKinds[kind] {
		own[c.field] = true
		switch c.typ {
		case cellString:
			if s := d.cell(row, d.fields[c.field], hasKey(d.fields, c.field)); s != "" {
				sep(c.field)
				writeJSONString(b, s)
			}
		case cellInt:
			if s := d.cell(row, d.fields[c.field], hasKey(d.fields, c.field)); s != "" {
				if _, err := strconv.ParseInt(s, 10, 64); err != nil {
					errs = append(errs, sesame.FieldError{Field: c.field, Reason: "must be an integer; got " + strconv.Quote(s)})
					continue
				}
				sep(c.field)
				b.WriteString(s)
			}
		case cellBool:
			if s := d.cell(row, d.fields[c.field], hasKey(d.fields, c.field)); s != "" {
				v, err := strconv.ParseBool(s)
				if err != nil {
					errs = append(errs, sesame.FieldError{Field: c.field, Reason: "must be true or false; got " + strconv.Quote(s)})
					continue
				}
				sep(c.field)
				b.WriteString(strconv.FormatBool(v))
			}
		case cellMoney:
			amount := d.cell(row, d.fields[c.field], hasKey(d.fields, c.field))
			cur := d.cell(row, d.curIdx[c.field], hasKey(d.curIdx, c.field))
			if cur == "" {
				cur = d.cell(row, d.shared, true)
			}
			if amount == "" && (c.optional || cur == "") {
				continue // absent; validation says whether it was required
			}
			if _, err := strconv.ParseInt(amount, 10, 64); err != nil && amount != "" {
				errs = append(errs, sesame.FieldError{Field: c.field, Reason: "must be an integer amount in minor units (1999 for 19.99); got " + strconv.Quote(amount)})
				continue
			}
			sep(c.field)
			b.WriteByte('{')
			if amount != "" {
				b.WriteString(`"amount":`)
				b.WriteString(amount)
				if cur != "" {
					b.WriteByte(',')
				}
			}
			if cur != "" {
				b.WriteString(`"currency":`)
				writeJSONString(b, cur)
			}
			b.WriteByte('}')
		case cellMap:
			opened := false
			for i, r := range d.roles {
				if r.typ != cellMap || r.field != c.field {
					continue
				}
				if s := d.cell(row, i, true); s != "" {
					if !opened {
						sep(c.field)
						b.WriteByte('{')
						opened = true
					} else {
						b.WriteByte(',')
					}
					writeJSONString(b, r.mapKey)
					b.WriteByte(':')
					writeJSONString(b, s)
				}
			}
			if opened {
				b.WriteByte('}')
			}
		}
	}
	b.WriteString("}}")
	if kind.Known() {
		// A filled cell of another kind's column is a mistake, not noise.
		for i, r := range d.roles {
			if r.envelope != "" || r.shared || own[r.field] {
				continue
			}
			if d.cell(row, i, true) != "" {
				errs = append(errs, sesame.FieldError{Field: d.header[i], Reason: "is not a column of kind " + string(kind) + "; leave it empty"})
			}
		}
	}
	if len(errs) > 0 {
		return nil, &sesame.Error{Code: sesame.EINVALID, Message: "invalid event", Details: errs}
	}
	return b.Bytes(), nil
}

func hasKey(m map[string]int, k string) bool { _, ok := m[k]; return ok }

// columnNames rewrites the JSON field paths of a decoding error
// (payload.limit.currency) as the CSV columns to fix (limit_currency or currency).
func (d *csvDecoder) columnNames(err error, row []string) error {
	var se *sesame.Error
	if !errors.As(err, &se) {
		return err
	}
	out := &sesame.Error{Code: se.Code, Message: se.Message, Details: make([]sesame.FieldError, len(se.Details))}
	for i, fe := range se.Details {
		name := strings.TrimPrefix(fe.Field, "payload.")
		if field, ok := strings.CutSuffix(name, ".amount"); ok && !strings.Contains(field, ".") {
			name = field
		} else if field, ok := strings.CutSuffix(name, ".currency"); ok && !strings.Contains(field, ".") {
			name = "currency"
			if idx, ok := d.curIdx[field]; ok && d.cell(row, idx, true) != "" || d.shared < 0 {
				name = field + "_currency"
			}
		}
		out.Details[i] = sesame.FieldError{Field: name, Reason: fe.Reason}
	}
	return out
}

// writeJSONString writes s as a JSON string literal.
func writeJSONString(b *bytes.Buffer, s string) {
	q, _ := json.Marshal(s) // a string always marshals
	b.Write(q)
}
