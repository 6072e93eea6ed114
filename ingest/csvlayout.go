package ingest

import (
	"reflect"
	"strings"

	"github.com/sesame-credit/sesame"
)

// The CSV layout. A file starts with a header row naming its columns, in any
// order. The envelope columns source, id, person, kind and occurred_at are
// required (v is optional); the other columns are payload fields, named as
// in the JSON payload:
//
//   - a money field F is two columns: F in integer minor units and
//     F_currency; a column named plain "currency" serves every money field
//     of the row whose own F_currency column is absent or empty;
//   - a map field F (identity's protected attributes) is one column per key,
//     F.KEY;
//   - times are RFC 3339 with a zone, booleans true or false.
//
// A row uses the columns of its kind and must leave the others empty, so one
// file may hold one kind (its own columns only) or several (the union). An
// empty cell is an absent field. docs/events.md has an example per kind.

// cellType says how a cell becomes JSON.
type cellType int

const (
	cellString cellType = iota
	cellInt
	cellBool
	cellMoney    // the amount column of a money field
	cellMap      // a F.KEY column
	cellCurrency // F_currency, or the shared currency column
)

// payloadColumn is one payload field of a kind as CSV sees it.
type payloadColumn struct {
	field    string // JSON name
	typ      cellType
	optional bool // a pointer field (omitted when its cells are empty)
}

// csvEnvelope are the envelope columns; all but v are required.
var csvEnvelope = []string{"v", "source", "id", "person", "kind", "occurred_at"}

// csvKinds maps each kind to its payload fields, in struct order.
var csvKinds = buildCSVKinds()

func buildCSVKinds() map[sesame.Kind][]payloadColumn {
	out := map[sesame.Kind][]payloadColumn{}
	for _, k := range sesame.Kinds() {
		t := reflect.TypeOf(sesame.NewPayload(k)).Elem()
		var cols []payloadColumn
		for i := 0; i < t.NumField(); i++ {
			name := jsonName(t.Field(i))
			if name == "" {
				continue
			}
			ft := t.Field(i).Type
			c := payloadColumn{field: name}
			if ft.Kind() == reflect.Pointer {
				c.optional = true
				ft = ft.Elem()
			}
			switch {
			case ft == moneyType:
				c.typ = cellMoney
			case ft == timeType, ft.Kind() == reflect.String:
				c.typ = cellString
			case ft.Kind() == reflect.Int, ft.Kind() == reflect.Int64:
				c.typ = cellInt
			case ft.Kind() == reflect.Bool:
				c.typ = cellBool
			case ft.Kind() == reflect.Map:
				c.typ = cellMap
			default:
				panic("ingest: no CSV column type for " + string(k) + "." + name)
			}
			cols = append(cols, c)
		}
		out[k] = cols
	}
	return out
}

// CSVColumns returns the payload columns of kind k in their documented
// order (money fields with their _currency column), for writing a header.
func CSVColumns(k sesame.Kind) []string {
	var out []string
	for _, c := range csvKinds[k] {
		switch c.typ {
		case cellMoney:
			out = append(out, c.field, c.field+"_currency")
		case cellMap:
			out = append(out, c.field+".KEY")
		default:
			out = append(out, c.field)
		}
	}
	return out
}

// columnRole is what a header column means.
type columnRole struct {
	envelope string // an envelope field, or ""
	field    string // the payload field it belongs to
	typ      cellType
	mapKey   string // for cellMap
	shared   bool   // the plain "currency" column
}

// roleOf interprets one header name; ok is false for an unknown column.
func roleOf(name string) (columnRole, bool) {
	for _, env := range csvEnvelope {
		if name == env {
			return columnRole{envelope: env}, true
		}
	}
	if name == "currency" {
		return columnRole{typ: cellCurrency, shared: true}, true
	}
	for _, cols := range csvKinds {
		for _, c := range cols {
			switch {
			case c.typ == cellMap && strings.HasPrefix(name, c.field+".") && len(name) > len(c.field)+1:
				return columnRole{field: c.field, typ: cellMap, mapKey: name[len(c.field)+1:]}, true
			case c.typ == cellMoney && name == c.field+"_currency":
				return columnRole{field: c.field, typ: cellCurrency}, true
			case c.typ != cellMap && name == c.field:
				return columnRole{field: c.field, typ: c.typ}, true
			}
		}
	}
	return columnRole{}, false
}
