from rest_framework import serializers


class HealthOutputSerializer(serializers.Serializer):
    status = serializers.CharField()


class ReadinessOutputSerializer(serializers.Serializer):
    status = serializers.CharField()
    checks = serializers.DictField(child=serializers.CharField(), help_text="Store name to `ok` or the failure.")
