"""The offline map page: Mali's outline and regions, incidents as clustered points."""
