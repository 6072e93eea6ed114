module github.com/sesame-credit/sesame

go 1.26.8
