"""Models of cheque remittances (PA4): the slips ("bordereaux de remise de chèques") and the cheques they carry."""
