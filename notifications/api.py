"""What other apps may import from notifications: plain data and the reads they need."""

from notifications.data import Channel, DeliveryData, DeliveryStatus, SubscriptionData
from notifications.selectors import delivery_list, subscription_get, subscription_list

__all__ = [
    "Channel",
    "DeliveryData",
    "DeliveryStatus",
    "SubscriptionData",
    "delivery_list",
    "subscription_get",
    "subscription_list",
]
