environment                      = "prod"
jwt_issuer                       = "https://auth.thumbs.example.com/"
code_signing_profile_version_arn = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/thumbs/Ab12Cd34Ef"
