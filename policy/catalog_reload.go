package policy

import "github.com/sesame-credit/sesame"

// Replace makes the uploaded products the live ones over the shipped ones,
// as NewCatalog does: how a replica follows uploads made through another.
// Decisions in progress keep the policy they already read.
func (c *Catalog) Replace(uploaded []*sesame.Product) error {
	fresh, err := NewCatalog(uploaded)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.byID = fresh.byID
	c.mu.Unlock()
	return nil
}
