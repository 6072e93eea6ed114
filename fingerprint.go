package sesame

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
)

// Canonical returns the event's payload as canonical JSON (the typed struct
// marshalled: fixed field order, no insignificant space, map keys sorted) and
// the event's fingerprint: the SHA-256 of its body (person, kind, occurred_at
// as an instant, canonical payload). Stores keep both: the payload to give
// the event back, the fingerprint to tell a duplicate (same key, same body)
// from a conflict (same key, different body) without comparing payloads.
// The source, id and recorded_at are not part of the body.
func (e *Event) Canonical() (payload []byte, fingerprint [32]byte, err error) {
	payload, err = json.Marshal(e.Payload)
	if err != nil {
		return nil, fingerprint, Errorf(EINVALID, "payload cannot be encoded: %v", err)
	}
	return payload, BodyFingerprint(e.Person, e.Kind, e.OccurredAt.UnixNano(), payload), nil
}

// BodyFingerprint is the fingerprint of an event body given its parts, for
// stores that hold the canonical payload already. occurredAt is in Unix
// nanoseconds: the same instant written with another zone offset is the
// same fact.
func BodyFingerprint(person string, kind Kind, occurredAt int64, payload []byte) [32]byte {
	h := sha256.New()
	var buf [8]byte
	// Lengths delimit the variable parts so that no two bodies share an input.
	binary.BigEndian.PutUint32(buf[:4], uint32(len(person)))
	h.Write(buf[:4])
	h.Write([]byte(person))
	binary.BigEndian.PutUint32(buf[:4], uint32(len(kind)))
	h.Write(buf[:4])
	h.Write([]byte(kind))
	binary.BigEndian.PutUint64(buf[:], uint64(occurredAt))
	h.Write(buf[:])
	h.Write(payload)
	var fp [32]byte
	h.Sum(fp[:0])
	return fp
}
