package policy

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/sesame-credit/sesame"
)

// Spec is a product file as an operator writes it: JSON metadata with the
// CEL source inline ("policy") or in a file beside it ("policy_file").
// Unknown fields are refused, so a misspelt field is an error, not a
// silently ignored setting.
type Spec struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Purpose     sesame.Purpose `json:"purpose"`
	Description string         `json:"description,omitempty"`
	Policy      string         `json:"policy,omitempty"`
	PolicyFile  string         `json:"policy_file,omitempty"`
}

// ParseSpec decodes a product file strictly. readFile resolves policy_file
// relative to the spec (nil: policy_file is not allowed).
func ParseSpec(data []byte, readFile func(name string) ([]byte, error)) (sesame.Product, error) {
	var s Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return sesame.Product{}, sesame.Errorf(sesame.EINVALID, "product file: %v", err)
	}
	if dec.More() {
		return sesame.Product{}, sesame.Errorf(sesame.EINVALID, "product file: one JSON object expected")
	}
	if k := sesame.DuplicateKey(data); k != "" {
		return sesame.Product{}, &sesame.Error{Code: sesame.EINVALID, Message: "product file: " + k + " is given more than once",
			Details: []sesame.FieldError{{Field: k, Reason: "appears more than once; give each field once"}}}
	}
	if s.PolicyFile != "" {
		if s.Policy != "" || readFile == nil {
			return sesame.Product{}, sesame.Errorf(sesame.EINVALID, "product file: give policy or policy_file, not both")
		}
		if strings.Contains(s.PolicyFile, "..") || path.IsAbs(s.PolicyFile) {
			return sesame.Product{}, sesame.Errorf(sesame.EINVALID, "product file: policy_file must name a file beside it")
		}
		b, err := readFile(s.PolicyFile)
		if err != nil {
			return sesame.Product{}, sesame.Errorf(sesame.EINVALID, "product file: policy_file %s: %v", s.PolicyFile, err)
		}
		s.Policy = string(b)
	}
	p := sesame.Product{ID: s.ID, Name: s.Name, Purpose: s.Purpose, Description: s.Description, Policy: s.Policy}
	p.PolicyVersion = Version(p)
	return p, nil
}

//go:embed products/*.json products/*.cel
var shipped embed.FS

// Shipped returns the products that come with Sesame, compiled, by id.
func Shipped() (map[string]*Policy, error) {
	names, _ := fs.Glob(shipped, "products/*.json")
	out := map[string]*Policy{}
	for _, n := range names {
		b, _ := shipped.ReadFile(n)
		p, err := ParseSpec(b, func(name string) ([]byte, error) { return shipped.ReadFile("products/" + name) })
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		pol, err := Compile(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		out[p.ID] = pol
	}
	return out, nil
}

// Catalog is the products a server offers: the shipped ones, replaced or
// extended by uploaded ones. Safe for concurrent use; an upload replaces a
// product for the next decision.
type Catalog struct {
	mu   sync.RWMutex
	byID map[string]*Policy
}

// Put makes pol the product's live policy.
func (c *Catalog) Put(pol *Policy) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byID[pol.Product.ID] = pol
}

// NewCatalog compiles the shipped products and then adds uploaded ones
// (a product with a shipped id replaces it).
func NewCatalog(uploaded []*sesame.Product) (*Catalog, error) {
	m, err := Shipped()
	if err != nil {
		return nil, err
	}
	for _, p := range uploaded {
		pol, err := Compile(*p)
		if err != nil {
			return nil, err
		}
		m[p.ID] = pol
	}
	return &Catalog{byID: m}, nil
}

// Product returns the policy of a product, or ENOTFOUND.
func (c *Catalog) Product(id string) (*Policy, error) {
	c.mu.RLock()
	p, ok := c.byID[id]
	c.mu.RUnlock()
	if !ok {
		return nil, sesame.Errorf(sesame.ENOTFOUND, "no product %q; GET /v1/partner/products lists them", id)
	}
	return p, nil
}

// Products returns every product, sorted by id.
func (c *Catalog) Products() []sesame.Product {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]sesame.Product, 0, len(c.byID))
	for _, p := range c.byID {
		out = append(out, p.Product)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Cutoff is the lowest score at which a product approves a person whose
// record has nothing against it (every feature at its neutral default,
// income verified): the product's score threshold, which a fairness audit
// measures approval at.
type Cutoff struct {
	Product string
	Score   int
}

// Cutoffs finds each product's threshold by evaluating it at every score
// of the scale; a product that approves nobody so, or everybody (no
// threshold), is left out. Sorted by product.
func Cutoffs(products map[string]*Policy) []Cutoff {
	var out []Cutoff
	for id, p := range products {
		for s := sesame.MinScore; s <= sesame.MaxScore; s++ {
			in := sesame.DecisionInput{Status: sesame.StatusScored, Score: s, Band: sesame.BandOf(s),
				Features: map[string]float64{"income_verified": 1}}
			if r, err := p.Evaluate(in); err == nil && r.Decision == sesame.Approve {
				if s > sesame.MinScore {
					out = append(out, Cutoff{Product: id, Score: s})
				}
				break
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Product < out[j].Product })
	return out

}

// ScoreThresholds returns the score cut-offs of a product's rule (see
// Policy.ScoreThresholds), or ENOTFOUND.
func (c *Catalog) ScoreThresholds(id string) ([]int, error) {
	p, err := c.Product(id)
	if err != nil {
		return nil, err
	}
	return p.ScoreThresholds(), nil
}
