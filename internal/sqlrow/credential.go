package sqlrow

import (
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
)

// SigningKeyColumns are a credential signing key's columns, in the order of
// SigningKeyValues and ScanSigningKey.
const SigningKeyColumns = `kid, created, retired_at, public, sealed`

// SigningKeyValues are k's values for SigningKeyColumns.
func SigningKeyValues(k credential.StoredKey) []any {
	return []any{k.KID, NS(k.Created), NullNS(k.RetiredAt), []byte(k.Public), k.Sealed}
}

// ScanSigningKey reads a row of SigningKeyColumns.
func ScanSigningKey(row Row) (credential.StoredKey, error) {
	var k credential.StoredKey
	var created int64
	var retired *int64
	var pub []byte
	err := row.Scan(&k.KID, &created, &retired, &pub, &k.Sealed)
	k.Created, k.RetiredAt, k.Public = FromNS(created), FromNullNS(retired), pub
	return k, err
}

// CredentialColumns are an issued credential's columns, in the order of
// CredentialValues and ScanCredential.
const CredentialColumns = `id, person, kind, band, score, as_of, kid, issued_at, expires_at, revoked_at, token, status_idx`

// CredentialValues are r's values for CredentialColumns.
func CredentialValues(r credential.Record) []any {
	var idx *int64
	if r.StatusIndex != nil {
		i := int64(*r.StatusIndex)
		idx = &i
	}
	return []any{r.ID, r.Person, r.Kind, string(r.Band), r.Score, r.AsOf, r.KID, NS(r.IssuedAt), NS(r.ExpiresAt), NullNS(r.RevokedAt), r.Token, idx}
}

// ScanCredential reads a row of CredentialColumns.
func ScanCredential(row Row) (credential.Record, error) {
	var c credential.Record
	var band string
	var issued, expires int64
	var revoked, idx *int64
	err := row.Scan(&c.ID, &c.Person, &c.Kind, &band, &c.Score, &c.AsOf, &c.KID, &issued, &expires, &revoked, &c.Token, &idx)
	if idx != nil {
		i := int(*idx)
		c.StatusIndex = &i
	}
	c.Band, c.IssuedAt, c.ExpiresAt, c.RevokedAt = sesame.Band(band), FromNS(issued), FromNS(expires), FromNullNS(revoked)
	return c, err
}

// ScanInt reads a row of one integer column.
func ScanInt(row Row) (int, error) {
	var i int
	err := row.Scan(&i)
	return i, err
}

// ScanDisputed reads rows of event_disputes' (source, id, created_at):
// when each event was disputed.
func ScanDisputed(rows Rows) (map[sesame.EventKey]time.Time, error) {
	out := map[sesame.EventKey]time.Time{}
	return out, Each(rows, func(row Row) error {
		var k sesame.EventKey
		var at int64
		err := row.Scan(&k.Source, &k.ID, &at)
		out[k] = FromNS(at)
		return err
	})
}
