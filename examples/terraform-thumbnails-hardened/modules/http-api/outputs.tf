output "api_endpoint" {
  value = aws_apigatewayv2_api.this.api_endpoint
}
