environment = "prod"
jwt_issuer  = "https://auth.thumbs.example.com/"
