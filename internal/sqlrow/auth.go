package sqlrow

import "github.com/sesame-credit/sesame/auth"

// SessionColumns are a session's columns, in the order of SessionValues
// and ScanSession.
const SessionColumns = `hash, person, created_at, expires_at, revoked_at, demo, user_agent, method, last_seen_at`

// SessionValues are ss's values for SessionColumns.
func SessionValues(ss *auth.Session) []any {
	return []any{ss.Hash, ss.Person, NS(ss.CreatedAt), NS(ss.ExpiresAt), NullNS(ss.RevokedAt), ss.Demo, ss.UserAgent, ss.Method, NullNS(ss.LastSeenAt)}
}

// ScanSession reads a row of SessionColumns.
func ScanSession(row Row) (auth.Session, error) {
	var ss auth.Session
	var created, expires int64
	var revoked, seen *int64
	err := row.Scan(&ss.Hash, &ss.Person, &created, &expires, &revoked, &ss.Demo, &ss.UserAgent, &ss.Method, &seen)
	ss.CreatedAt, ss.ExpiresAt, ss.RevokedAt, ss.LastSeenAt = FromNS(created), FromNS(expires), FromNullNS(revoked), FromNullNS(seen)
	return ss, err
}

// ContactColumns are a contact's columns, in the order of ContactValues
// and ScanContact.
const ContactColumns = `identifier, kind, person, created_at`

// ContactValues are c's values for ContactColumns.
func ContactValues(c auth.Contact) []any {
	return []any{c.Identifier, c.Kind, c.Person, NS(c.CreatedAt)}
}

// ScanContact reads a row of ContactColumns.
func ScanContact(row Row) (auth.Contact, error) {
	var c auth.Contact
	var created int64
	err := row.Scan(&c.Identifier, &c.Kind, &c.Person, &created)
	c.CreatedAt = FromNS(created)
	return c, err
}

// PasskeyColumns are a passkey's columns as ScanPasskey reads them.
const PasskeyColumns = `id, person, name, credential, created_at, last_used_at`

// ScanPasskey reads a row of PasskeyColumns.
func ScanPasskey(row Row) (auth.Passkey, error) {
	var p auth.Passkey
	var created int64
	var used *int64
	err := row.Scan(&p.ID, &p.Person, &p.Name, &p.Credential, &created, &used)
	p.CreatedAt, p.LastUsedAt = FromNS(created), FromNullNS(used)
	return p, err
}
