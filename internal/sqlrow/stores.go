package sqlrow

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/sesame-credit/sesame"
	"github.com/sesame-credit/sesame/auth"
	"github.com/sesame-credit/sesame/credential"
)

// The stores below are the same statements on both engines; each engine's
// store embeds them over its Querier and adds what only it does.

// OutboxSQL implements sesame.Outbox and sesame.MailStore but for what an
// engine writes in its own transactions.
type OutboxSQL struct{ Q Querier }

// Notices implements sesame.Outbox.
func (s OutboxSQL) Notices(ctx context.Context, recipient string, limit int) ([]sesame.Notice, error) {
	return s.NoticesAfter(ctx, recipient, sesame.Position{}, limit)
}

// NoticesAfter implements sesame.Outbox, starting at the position through
// the (recipient, created_at) index rather than skipping the newer ones.
func (s OutboxSQL) NoticesAfter(ctx context.Context, recipient string, after sesame.Position, limit int) ([]sesame.Notice, error) {
	q, args := `SELECT `+NoticeColumns+` FROM notices WHERE recipient = ?`, []any{recipient}
	if !after.IsZero() {
		q += ` AND created_at <= ? AND (created_at < ? OR id > ?)`
		args = append(args, NS(after.At), NS(after.At), after.ID)
	}
	rows, err := s.Q.Query(ctx, q+` ORDER BY created_at DESC, id LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanNotice)
}

// Due implements sesame.Outbox.
func (s OutboxSQL) Due(ctx context.Context, now time.Time, limit int) ([]sesame.Notice, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+NoticeColumns+` FROM notices
		WHERE delivered_at IS NULL AND next_attempt > 0 AND next_attempt <= ? AND recipient IN (SELECT recipient FROM webhooks)
		ORDER BY next_attempt, created_at LIMIT ?`, NS(now), limit)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanNotice)
}

// Delivered implements sesame.Outbox.
func (s OutboxSQL) Delivered(ctx context.Context, id string, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE notices SET delivered_at = ?, attempts = attempts + 1, last_error = '' WHERE id = ? AND delivered_at IS NULL`, NS(at), id)
	return err
}

// Failed implements sesame.Outbox.
func (s OutboxSQL) Failed(ctx context.Context, id string, next time.Time, reason string) error {
	var n int64
	if !next.IsZero() {
		n = NS(next)
	}
	_, err := s.Q.Exec(ctx, `UPDATE notices SET attempts = attempts + 1, next_attempt = ?, last_error = ? WHERE id = ? AND delivered_at IS NULL`, n, reason, id)
	return err
}

// SetWebhook implements sesame.Outbox.
func (s OutboxSQL) SetWebhook(ctx context.Context, w sesame.Webhook) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO webhooks (recipient, url, secret) VALUES (?,?,?)
		ON CONFLICT (recipient) DO UPDATE SET url = excluded.url, secret = excluded.secret`, w.Recipient, w.URL, w.Secret)
	return err
}

// Webhook implements sesame.Outbox.
func (s OutboxSQL) Webhook(ctx context.Context, recipient string) (sesame.Webhook, error) {
	w := sesame.Webhook{Recipient: recipient}
	err := s.Q.QueryRow(ctx, `SELECT url, secret FROM webhooks WHERE recipient = ?`, recipient).Scan(&w.URL, &w.Secret)
	return w, NotFound(err, "no webhook for %s", recipient)
}

// SetMailAddress implements sesame.MailStore.
func (s OutboxSQL) SetMailAddress(ctx context.Context, recipient, address string, at time.Time) error {
	if address == "" {
		_, err := s.Q.Exec(ctx, `DELETE FROM mail_addresses WHERE recipient = ?`, recipient)
		return err
	}
	_, err := s.Q.Exec(ctx, `INSERT INTO mail_addresses (recipient, address, set_at) VALUES (?,?,?)
		ON CONFLICT (recipient) DO UPDATE SET address = excluded.address`, recipient, address, NS(at))
	return err
}

// MailAddress implements sesame.MailStore.
func (s OutboxSQL) MailAddress(ctx context.Context, recipient string) (string, error) {
	var address string
	err := s.Q.QueryRow(ctx, `SELECT address FROM mail_addresses WHERE recipient = ?`, recipient).Scan(&address)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return address, err
}

// MailDue implements sesame.MailStore.
func (s OutboxSQL) MailDue(ctx context.Context, limit int) ([]sesame.MailItem, error) {
	return MailDue(ctx, s.Q, limit)
}

// Mailed implements sesame.MailStore.
func (s OutboxSQL) Mailed(ctx context.Context, id string, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE notices SET mailed_at = ? WHERE id = ?`, NS(at), id)
	return err
}

// CredentialSQL implements credential.Store but for DisputeEvent. IsUnique
// says an error is the engine's unique violation.
type CredentialSQL struct {
	Q        Querier
	IsUnique func(error) bool
}

func (s CredentialSQL) SaveKey(ctx context.Context, k credential.StoredKey) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO credential_keys (`+SigningKeyColumns+`) VALUES (?,?,?,?,?)`, SigningKeyValues(k)...)
	return err
}

func (s CredentialSQL) RetireKeys(ctx context.Context, keep string, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE credential_keys SET retired_at = ? WHERE kid <> ? AND retired_at IS NULL`, NS(at), keep)
	return err
}

func (s CredentialSQL) Keys(ctx context.Context) ([]credential.StoredKey, error) {
	// kid breaks ties of the same nanosecond.
	rows, err := s.Q.Query(ctx, `SELECT `+SigningKeyColumns+` FROM credential_keys ORDER BY created DESC, kid DESC`)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanSigningKey)
}

func (s CredentialSQL) SaveCredential(ctx context.Context, r credential.Record) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO credentials (`+CredentialColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)`, CredentialValues(r)...)
	if s.IsUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "credential %s or its status index exists already", r.ID)
	}
	return err
}

// RevokedStatusIndexes returns the status list positions of the revoked
// credentials that have not expired.
func (s CredentialSQL) RevokedStatusIndexes(ctx context.Context, now time.Time) ([]int, error) {
	rows, err := s.Q.Query(ctx, `SELECT status_idx FROM credentials
		WHERE status_idx IS NOT NULL AND revoked_at IS NOT NULL AND expires_at > ? ORDER BY status_idx`, NS(now))
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanInt)
}

func (s CredentialSQL) Credential(ctx context.Context, id string) (credential.Record, error) {
	c, err := ScanCredential(s.Q.QueryRow(ctx, `SELECT `+CredentialColumns+` FROM credentials WHERE id = ?`, id))
	return c, NotFound(err, "no credential %q", id)
}

func (s CredentialSQL) Credentials(ctx context.Context, person string) ([]credential.Record, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+CredentialColumns+` FROM credentials WHERE person = ? ORDER BY issued_at DESC, id`, person)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanCredential)
}

// RevokeCredential marks the person's credential revoked; revoking twice
// keeps the first time. One statement: the person's own row or nothing.
func (s CredentialSQL) RevokeCredential(ctx context.Context, person, id string, at time.Time) error {
	n, err := s.Q.Exec(ctx, `UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND person = ?`, NS(at), id, person)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no credential %q", id)
	}
	return err
}

// DisputedEvents returns when each of the person's disputed events was disputed.
func (s CredentialSQL) DisputedEvents(ctx context.Context, person string) (map[sesame.EventKey]time.Time, error) {
	rows, err := s.Q.Query(ctx, `SELECT source, id, created_at FROM event_disputes WHERE person = ?`, person)
	if err != nil {
		return nil, err
	}
	return ScanDisputed(rows)
}

// PartnerSQL implements sesame.PartnerStore. IsUnique says an error is the
// engine's unique violation.
type PartnerSQL struct {
	Q        Querier
	IsUnique func(error) bool
}

func (s PartnerSQL) CreatePartner(ctx context.Context, p *sesame.Partner) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO partners (`+PartnerColumns+`) VALUES (?,?,?,?,?,?,?)`, PartnerValues(p)...)
	if s.IsUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "a partner %q exists already", p.ID)
	}
	return err
}

func (s PartnerSQL) UpdatePartner(ctx context.Context, p *sesame.Partner) error {
	v := PartnerValues(p)
	n, err := s.Q.Exec(ctx, `UPDATE partners SET name = ?, redirect_uris = ?, rate = ?, burst = ?, disabled_at = ? WHERE id = ?`,
		v[1], v[2], v[3], v[4], v[6], p.ID)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no partner %q", p.ID)
	}
	return err
}

func (s PartnerSQL) Partner(ctx context.Context, id string) (*sesame.Partner, error) {
	p, err := ScanPartner(s.Q.QueryRow(ctx, `SELECT `+PartnerColumns+` FROM partners WHERE id = ?`, id))
	return p, NotFound(err, "no partner %q", id)
}

func (s PartnerSQL) Partners(ctx context.Context) ([]*sesame.Partner, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+PartnerColumns+` FROM partners ORDER BY id`)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanPartner)
}

func (s PartnerSQL) AddPartnerKey(ctx context.Context, k *sesame.PartnerKey) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO partner_keys (`+KeyColumns+`) VALUES (?,?,?,?,?,?)`, KeyValues(k)...)
	return err
}

func (s PartnerSQL) PartnerKey(ctx context.Context, id string) (*sesame.PartnerKey, error) {
	k, err := ScanKey(s.Q.QueryRow(ctx, `SELECT `+KeyColumns+` FROM partner_keys WHERE id = ?`, id))
	return k, NotFound(err, "no key %q", id)
}

func (s PartnerSQL) PartnerKeys(ctx context.Context, partner string) ([]*sesame.PartnerKey, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+KeyColumns+` FROM partner_keys WHERE partner = ? ORDER BY created_at`, partner)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanKey)
}

func (s PartnerSQL) ExpirePartnerKeys(ctx context.Context, partner, keep string, at time.Time, revoke bool) error {
	col := "expires_at"
	if revoke {
		col = "revoked_at"
	}
	// A key already expiring sooner keeps its earlier end.
	_, err := s.Q.Exec(ctx, `UPDATE partner_keys SET `+col+` = ? WHERE partner = ? AND id <> ? AND revoked_at IS NULL AND (`+col+` IS NULL OR `+col+` > ?)`,
		NS(at), partner, keep, NS(at))
	return err
}

func (s PartnerSQL) RevokePartnerKey(ctx context.Context, id string, at time.Time) error {
	n, err := s.Q.Exec(ctx, `UPDATE partner_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`, NS(at), id)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "no key %q", id)
	}
	return err
}

// ConsentSQL implements the reads of sesame.ConsentStore and its writes of
// one statement.
type ConsentSQL struct{ Q Querier }

func (s ConsentSQL) query(ctx context.Context, where string, args ...any) ([]*sesame.Consent, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+ConsentColumns+` FROM consents WHERE `+where+` ORDER BY granted_at DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanConsent)
}

func (s ConsentSQL) Consent(ctx context.Context, id string) (*sesame.Consent, error) {
	c, err := ScanConsent(s.Q.QueryRow(ctx, `SELECT `+ConsentColumns+` FROM consents WHERE id = ?`, id))
	return c, NotFound(err, "no consent %q", id)
}

func (s ConsentSQL) Consents(ctx context.Context, person string) ([]*sesame.Consent, error) {
	return s.query(ctx, `person = ?`, person)
}

func (s ConsentSQL) ConsentsBetween(ctx context.Context, person, partner string) ([]*sesame.Consent, error) {
	return s.query(ctx, `person = ? AND partner = ?`, person, partner)
}

func (s ConsentSQL) RevokeConsent(ctx context.Context, person, id string, at time.Time) error {
	n, err := s.Q.Exec(ctx, `UPDATE consents SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ? AND person = ?`, NS(at), id, person)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no consent %q", id)
	}
	return err
}

func (s ConsentSQL) CreateConsentRequest(ctx context.Context, r *sesame.ConsentRequest) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO consent_requests (`+RequestColumns+`) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, RequestValues(r)...)
	return err
}

func (s ConsentSQL) ConsentRequest(ctx context.Context, id string) (*sesame.ConsentRequest, error) {
	r, err := ScanRequest(s.Q.QueryRow(ctx, `SELECT `+RequestColumns+` FROM consent_requests WHERE id = ?`, id))
	return r, NotFound(err, "no consent request %q", id)
}

func (s ConsentSQL) ConsentRequests(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+RequestColumns+` FROM consent_requests WHERE person = ? ORDER BY created_at DESC`, person)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanRequest)
}

func (s ConsentSQL) PendingConsentRequests(ctx context.Context, person string) ([]*sesame.ConsentRequest, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+RequestColumns+` FROM consent_requests WHERE person = ? AND status = ? ORDER BY created_at DESC`, person, sesame.RequestPending)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanRequest)
}

// SessionSQL implements the statements of auth.SessionStore, auth.ContactStore
// and auth.PasskeyStore that are one statement outside a transaction.
type SessionSQL struct {
	Q        Querier
	IsUnique func(error) bool
}

func (s SessionSQL) CreateLoginLink(ctx context.Context, hash []byte, person string, created, expires time.Time) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO login_links (hash, person, created_at, expires_at) VALUES (?,?,?,?)`, hash, person, NS(created), NS(expires))
	return err
}

func (s SessionSQL) CreateSession(ctx context.Context, ss *auth.Session) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO person_sessions (`+SessionColumns+`) VALUES (?,?,?,?,?,?,?,?,?)`, SessionValues(ss)...)
	return err
}

func (s SessionSQL) Session(ctx context.Context, hash []byte) (*auth.Session, error) {
	ss, err := ScanSession(s.Q.QueryRow(ctx, `SELECT `+SessionColumns+` FROM person_sessions WHERE hash = ?`, hash))
	if err != nil {
		return nil, NotFound(err, "no session")
	}
	return &ss, nil
}

func (s SessionSQL) RevokeSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE person_sessions SET revoked_at = ? WHERE hash = ? AND revoked_at IS NULL`, NS(at), hash)
	return err
}

func (s SessionSQL) RevokeSessions(ctx context.Context, person string, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE person_sessions SET revoked_at = ? WHERE person = ? AND revoked_at IS NULL`, NS(at), person)
	return err
}

func (s SessionSQL) PersonSessions(ctx context.Context, person string, at time.Time) ([]auth.Session, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+SessionColumns+`
		FROM person_sessions WHERE person = ? AND revoked_at IS NULL AND expires_at > ? ORDER BY created_at DESC`, person, NS(at))
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanSession)
}

func (s SessionSQL) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE person_sessions SET last_seen_at = ? WHERE hash = ?`, NS(at), hash)
	return err
}

// SetContactSQL sets one contact, whoever had the identifier before.
const SetContactSQL = `INSERT INTO person_contacts (` + ContactColumns + `) VALUES (?,?,?,?)
	ON CONFLICT (identifier) DO UPDATE SET kind = excluded.kind, person = excluded.person, created_at = excluded.created_at`

func (s SessionSQL) SetContact(ctx context.Context, c auth.Contact) error {
	_, err := s.Q.Exec(ctx, SetContactSQL, ContactValues(c)...)
	return err
}

func (s SessionSQL) ContactPerson(ctx context.Context, identifier string) (string, error) {
	person, err := String(s.Q.QueryRow(ctx, `SELECT person FROM person_contacts WHERE identifier = ?`, identifier))
	return person, NotFound(err, "no such contact")
}

func (s SessionSQL) Contacts(ctx context.Context, person string) ([]auth.Contact, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+ContactColumns+` FROM person_contacts WHERE person = ? ORDER BY created_at, identifier`, person)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanContact)
}

func (s SessionSQL) RemoveContact(ctx context.Context, identifier string) error {
	_, err := s.Q.Exec(ctx, `DELETE FROM person_contacts WHERE identifier = ?`, identifier)
	return err
}

func (s SessionSQL) AddPasskey(ctx context.Context, p *auth.Passkey) error {
	_, err := s.Q.Exec(ctx, `INSERT INTO passkeys (id, person, name, credential, created_at) VALUES (?,?,?,?,?)`,
		p.ID, p.Person, p.Name, p.Credential, NS(p.CreatedAt))
	if s.IsUnique(err) {
		return sesame.Errorf(sesame.ECONFLICT, "that passkey is already registered")
	}
	return err
}

func (s SessionSQL) Passkeys(ctx context.Context, person string) ([]auth.Passkey, error) {
	rows, err := s.Q.Query(ctx, `SELECT `+PasskeyColumns+` FROM passkeys WHERE person = ? ORDER BY created_at, id`, person)
	if err != nil {
		return nil, err
	}
	return Collect(rows, ScanPasskey)
}

func (s SessionSQL) Passkey(ctx context.Context, id string) (*auth.Passkey, error) {
	p, err := ScanPasskey(s.Q.QueryRow(ctx, `SELECT `+PasskeyColumns+` FROM passkeys WHERE id = ?`, id))
	if err != nil {
		return nil, NotFound(err, "no passkey %q", id)
	}
	return &p, nil
}

func (s SessionSQL) UsePasskey(ctx context.Context, id string, credential []byte, at time.Time) error {
	_, err := s.Q.Exec(ctx, `UPDATE passkeys SET credential = ?, last_used_at = ? WHERE id = ?`, credential, NS(at), id)
	return err
}

func (s SessionSQL) RemovePasskey(ctx context.Context, person, id string) error {
	n, err := s.Q.Exec(ctx, `DELETE FROM passkeys WHERE person = ? AND id = ?`, person, id)
	if err == nil && n == 0 {
		return sesame.Errorf(sesame.ENOTFOUND, "you have no passkey %q", id)
	}
	return err
}
