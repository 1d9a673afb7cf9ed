"""The integration REST API (API Gateway → ApiFunction): one Powertools Router per resource."""
