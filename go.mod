module github.com/cloudmigrate/cloudmigrate

go 1.23

require (
	github.com/cenkalti/backoff/v4 v4.3.0
	github.com/google/go-querystring v1.2.0
	github.com/hashicorp/go-cleanhttp v0.5.2
	github.com/jarcoal/httpmock v1.4.2
	go.yaml.in/yaml/v3 v3.0.6
)
