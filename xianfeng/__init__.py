"""Xianfeng (先锋): a district's yearly programme of key projects."""
