package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/credential"
)

// CredentialStore keeps credential signing keys, issued credentials and the
// disputes people raise about their events (the portal's writes). It
// implements credential.Store.
type CredentialStore struct{ db *DB }

// Credentials returns the credential store of this database.
func (db *DB) Credentials() *CredentialStore { return &CredentialStore{db: db} }

var _ credential.Store = (*CredentialStore)(nil)

func nanos(t time.Time) int64 { return t.UnixNano() }

func nullNanos(t time.Time) sql.NullInt64 {
	if t.IsZero() {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: t.UnixNano(), Valid: true}
}

func fromNanos(n sql.NullInt64) time.Time {
	if !n.Valid {
		return time.Time{}
	}
	return time.Unix(0, n.Int64).UTC()
}

func (s *CredentialStore) SaveKey(ctx context.Context, k credential.StoredKey) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO credential_keys (kid, created, retired_at, public, sealed) VALUES (?, ?, ?, ?, ?)`,
			k.KID, nanos(k.Created), nullNanos(k.RetiredAt), []byte(k.Public), k.Sealed)
		return err
	})
}

func (s *CredentialStore) RetireKeys(ctx context.Context, keep string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE credential_keys SET retired_at = ? WHERE kid <> ? AND retired_at IS NULL`, nanos(at), keep)
		return err
	})
}

func (s *CredentialStore) Keys(ctx context.Context) ([]credential.StoredKey, error) {
	// rowid does not exist (WITHOUT ROWID); kid breaks ties of the same nanosecond.
	rows, err := s.db.reader.QueryContext(ctx, `SELECT kid, created, retired_at, public, sealed FROM credential_keys ORDER BY created DESC, kid DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credential.StoredKey
	for rows.Next() {
		var k credential.StoredKey
		var created int64
		var retired sql.NullInt64
		var pub []byte
		if err := rows.Scan(&k.KID, &created, &retired, &pub, &k.Sealed); err != nil {
			return nil, err
		}
		k.Created, k.RetiredAt, k.Public = time.Unix(0, created).UTC(), fromNanos(retired), pub
		out = append(out, k)
	}
	return out, rows.Err()
}

func (s *CredentialStore) SaveCredential(ctx context.Context, r credential.Record) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO credentials (`+credentialColumns+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			r.ID, r.Person, r.Kind, string(r.Band), r.Score, r.AsOf, r.KID, nanos(r.IssuedAt), nanos(r.ExpiresAt), nullNanos(r.RevokedAt), r.Token, statusIdx(r.StatusIndex))
		if isUniqueViolation(err) {
			return sesame.Errorf(sesame.ECONFLICT, "credential %s or its status index exists already", r.ID)
		}
		return err
	})
}

func statusIdx(i *int) sql.NullInt64 {
	if i == nil {
		return sql.NullInt64{}
	}
	return sql.NullInt64{Int64: int64(*i), Valid: true}
}

// RevokedStatusIndexes: the status list positions of the revoked
// credentials that have not expired.
func (s *CredentialStore) RevokedStatusIndexes(ctx context.Context, now time.Time) ([]int, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT status_idx FROM credentials
		WHERE status_idx IS NOT NULL AND revoked_at IS NOT NULL AND expires_at > ? ORDER BY status_idx`, nanos(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int
	for rows.Next() {
		var i int
		if err := rows.Scan(&i); err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

const credentialColumns = `id, person, kind, band, score, as_of, kid, issued_at, expires_at, revoked_at, token, status_idx`

func scanCredential(r scanner) (credential.Record, error) {
	var c credential.Record
	var band string
	var issued, expires int64
	var revoked, idx sql.NullInt64
	err := r.Scan(&c.ID, &c.Person, &c.Kind, &band, &c.Score, &c.AsOf, &c.KID, &issued, &expires, &revoked, &c.Token, &idx)
	if idx.Valid {
		i := int(idx.Int64)
		c.StatusIndex = &i
	}
	c.Band, c.IssuedAt, c.ExpiresAt, c.RevokedAt = sesame.Band(band), time.Unix(0, issued).UTC(), time.Unix(0, expires).UTC(), fromNanos(revoked)
	return c, err
}

func (s *CredentialStore) Credential(ctx context.Context, id string) (credential.Record, error) {
	c, err := scanCredential(s.db.reader.QueryRowContext(ctx, `SELECT `+credentialColumns+` FROM credentials WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return credential.Record{}, sesame.Errorf(sesame.ENOTFOUND, "no credential %q", id)
	}
	return c, err
}

func (s *CredentialStore) Credentials(ctx context.Context, person string) ([]credential.Record, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT `+credentialColumns+` FROM credentials WHERE person = ? ORDER BY issued_at DESC, id`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []credential.Record
	for rows.Next() {
		c, err := scanCredential(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func (s *CredentialStore) RevokeCredential(ctx context.Context, person, id string, at time.Time) error {
	return s.db.WriteTx(ctx, func(tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM credentials WHERE id = ? AND person = ?`, id, person).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return sesame.Errorf(sesame.ENOTFOUND, "you have no credential %q", id)
		}
		_, err := tx.ExecContext(ctx, `UPDATE credentials SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`, nanos(at), id)
		return err
	})
}

// DisputeEvent records that the person disputes one of their events. The
// event must be the person's (ENOTFOUND otherwise, so nobody learns of other
// people's events); disputing an event twice keeps the first dispute.
func (s *CredentialStore) DisputeEvent(ctx context.Context, person string, key sesame.EventKey, reason string, at time.Time) error {
	_, err := s.db.Disputes().OpenDispute(ctx, person, key, reason, "", at)
	if sesame.ErrorCode(err) == sesame.ECONFLICT {
		return nil // settled already: the first dispute stands
	}
	return err
}

// DisputedEvents returns when each of the person's disputed events was disputed.
func (s *CredentialStore) DisputedEvents(ctx context.Context, person string) (map[sesame.EventKey]time.Time, error) {
	rows, err := s.db.reader.QueryContext(ctx, `SELECT source, id, created_at FROM event_disputes WHERE person = ?`, person)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[sesame.EventKey]time.Time{}
	for rows.Next() {
		var k sesame.EventKey
		var at int64
		if err := rows.Scan(&k.Source, &k.ID, &at); err != nil {
			return nil, err
		}
		out[k] = time.Unix(0, at).UTC()
	}
	return out, rows.Err()
}
